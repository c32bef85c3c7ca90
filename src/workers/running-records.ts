// Every `running` record, page by page (ascending game_id), for the workers that visit
// them all each round. Paging keeps one round's memory bounded on a large fleet.
import type { RuntimeRecord } from '../domain/runtime-record.js';
import type { RuntimeRecordStore } from '../ports/runtime-record.store.js';

export const RUNNING_RECORDS_PAGE_SIZE = 200;

export async function* runningRecords(
  records: Pick<RuntimeRecordStore, 'list'>,
  pageSize = RUNNING_RECORDS_PAGE_SIZE,
): AsyncGenerator<RuntimeRecord> {
  let afterGameId: string | undefined;
  for (;;) {
    const page = await records.list({ status: 'running', limit: pageSize, ...(afterGameId ? { afterGameId } : {}) });
    for (const r of page) yield r;
    if (page.length < pageSize) return;
    afterGameId = page[page.length - 1]?.gameId;
  }
}

export async function listRunningRecords(
  records: Pick<RuntimeRecordStore, 'list'>,
  pageSize = RUNNING_RECORDS_PAGE_SIZE,
): Promise<RuntimeRecord[]> {
  const all: RuntimeRecord[] = [];
  for await (const r of runningRecords(records, pageSize)) all.push(r);
  return all;
}
