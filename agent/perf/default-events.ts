/** The original experiment's six counters, plus the software events every machine can count. */
export const defaultPerfEvents = [
  'cycles',
  'instructions',
  'cache-references',
  'cache-misses',
  'branches',
  'branch-misses',
  'task-clock',
  'context-switches',
  'page-faults',
] as const;
