// Redis stream entry ids are `<unix ms>-<sequence>`: the ms part is when Redis appended it.

/** The entry's append time in ms, or null for an id not of that shape. */
export function entryTimeMs(entryId: string): number | null {
  const m = /^([0-9]+)-[0-9]+$/.exec(entryId);
  return m ? Number(m[1]) : null;
}
