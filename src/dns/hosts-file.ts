// The system's hosts file (/etc/hosts), for the lookups Exim makes with
// gethostbyname(): manualroute and queryprogram fall back to it when the DNS
// says a host does not exist (section "How the list of hosts is used").
// Read when first needed and again when the file changes.

import fs from 'node:fs';

const HOSTS_FILE = '/etc/hosts';

interface Table { mtimeMs: number; byName: Map<string, string[]>; byAddress: Map<string, string[]> }
let table: Table | undefined;

function load(file: string): Table {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st) return { mtimeMs: 0, byName: new Map(), byAddress: new Map() };
  if (table && table.mtimeMs === st.mtimeMs) return table;
  const byName = new Map<string, string[]>();
  const byAddress = new Map<string, string[]>();
  for (const raw of fs.readFileSync(file, 'latin1').split('\n')) {
    const words = raw.replace(/#.*/, '').trim().split(/\s+/).filter((w) => w !== '');
    if (words.length < 2) continue;
    const [address, ...names] = words;
    const known = byAddress.get(address.toLowerCase()) ?? [];
    for (const n of names) if (!known.includes(n)) known.push(n);
    byAddress.set(address.toLowerCase(), known);
    for (const n of names) {
      const key = n.toLowerCase();
      const list = byName.get(key) ?? [];
      if (!list.includes(address)) list.push(address);
      byName.set(key, list);
    }
  }
  return (table = { mtimeMs: st.mtimeMs, byName, byAddress });
}

/** The addresses the hosts file gives a name (in file order), or none. */
export function hostsFileAddresses(name: string, file = HOSTS_FILE): string[] {
  return load(file).byName.get(name.toLowerCase().replace(/\.$/, '')) ?? [];
}

/** The names the hosts file gives an address (first the canonical name), as gethostbyaddr() finds them. */
export function hostsFileNames(address: string, file = HOSTS_FILE): string[] {
  return load(file).byAddress.get(address.toLowerCase()) ?? [];
}
