// Schema check of a stop job's fields. TEMPORARY hand version: replaced by the validator
// generated from api/runtime-jobs-asyncapi.yaml once it lands.
const FIELDS = ['game_id', 'reason', 'requested_at_ms'];

export function checkStopJobSchema(fields: Record<string, string>): string[] {
  return [
    ...FIELDS.filter((f) => fields[f] === undefined).map((f) => `missing field ${f}`),
    ...Object.keys(fields).filter((f) => !FIELDS.includes(f)).map((f) => `unknown field ${f}`),
  ];
}
