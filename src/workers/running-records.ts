// Every record of one status, page by page (ascending game_id), for the workers that visit
// them all each round. Paging bounds each query, not a round's memory: recordsWithStatus
// yields one record at a time (the listener's resync walks it so), while the list* forms
// collect the whole fleet (the reconciler, probe and inspect rounds need it all at once).
import type { RuntimeRecord, RuntimeStatus } from '../domain/runtime-record.js';
import type { RuntimeRecordStore } from '../ports/runtime-record.store.js';

export const RUNNING_RECORDS_PAGE_SIZE = 200;

export async function* recordsWithStatus(
  records: Pick<RuntimeRecordStore, 'list'>,
  status: RuntimeStatus,
  pageSize = RUNNING_RECORDS_PAGE_SIZE,
): AsyncGenerator<RuntimeRecord> {
  let afterGameId: string | undefined;
  for (;;) {
    const page = await records.list({ status, limit: pageSize, ...(afterGameId ? { afterGameId } : {}) });
    for (const r of page) yield r;
    if (page.length < pageSize) return;
    afterGameId = page[page.length - 1]?.gameId;
  }
}

/** The `running` records (probe, inspect and events workers). */
export function runningRecords(records: Pick<RuntimeRecordStore, 'list'>, pageSize = RUNNING_RECORDS_PAGE_SIZE): AsyncGenerator<RuntimeRecord> {
  return recordsWithStatus(records, 'running', pageSize);
}

export async function listRecordsWithStatus(
  records: Pick<RuntimeRecordStore, 'list'>,
  status: RuntimeStatus,
  pageSize = RUNNING_RECORDS_PAGE_SIZE,
): Promise<RuntimeRecord[]> {
  const all: RuntimeRecord[] = [];
  for await (const r of recordsWithStatus(records, status, pageSize)) all.push(r);
  return all;
}

export function listRunningRecords(records: Pick<RuntimeRecordStore, 'list'>, pageSize = RUNNING_RECORDS_PAGE_SIZE): Promise<RuntimeRecord[]> {
  return listRecordsWithStatus(records, 'running', pageSize);
}
