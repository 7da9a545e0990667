// What differs between a recorded Exim run and a tern run for reasons that
// do not matter (message ids, dates, times, version, sizes that carry the
// version): replaced by placeholders so spool dumps, logs and replies compare.

/** Replace message ids by ID1, ID2... in order of appearance, and times and versions by placeholders. */
export function normaliseEximRun(text: string): string {
  const ids = new Map<string, string>();
  return text
    .replace(/[0-9A-Za-z]{6}-[0-9A-Za-z]{11}-[0-9A-Za-z]{4}(?![0-9A-Za-z])/g, (id) => {
      if (!ids.has(id)) ids.set(id, `ID${ids.size + 1}`);
      return ids.get(id)!;
    })
    .replace(/[A-Z][a-z]{2}, \d\d? [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}/g, 'DATE')
    .replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /gm, 'STAMP ')
    .replace(/Exim \d+\.\d+(?:\.\d+)?/g, 'Exim VERSION')
    .replace(/^\d{3}P Received:/gm, 'NNNP Received:')
    .replace(/ S=\d+/g, ' S=N')
    .replace(/^\d{10} 0$/gm, 'TIME 0')
    .replace(/^-received_time_usec \.\d{6}$/gm, '-received_time_usec .USEC')
    .replace(/^-received_time_complete \d+\.\d+$/gm, '-received_time_complete TIME')
    .replace(/^-frozen \d+$/gm, '-frozen TIME')
    // Exim 4.98 writes a TLS resumption state even for plaintext sessions; not in the 4.99 spec's format.
    .replace(/^-tls_resumption A\n/gm, '');
}
