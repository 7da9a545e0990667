import type { ExpandContext } from '../../expand/context.ts';
import type { FilterResult } from '../types.ts';

export interface SieveEnv {
  ctx: ExpandContext;
  test?: { print(line: string): void };
  debug?(line: string): void;
  qualify(localPart: string): string;
  inbox: string;
  subaddress?: string;
  useraddress?: string;
  vacationDirectory?: string;
}

export async function runSieveFilter(_text: string, _env: SieveEnv): Promise<FilterResult> {
  return { outcome: 'error', message: 'Sieve not implemented', deliveries: [], headersAdded: [], headersRemoved: [], n: [] };
}
