-- What a sink that holds a node's lease does next with the node's stream.
--
-- KEYS[1]  the node's sink lease (powerprof:{node}:sink-lease)
-- KEYS[2]  the node's record stream (powerprof:{node}:records)
-- ARGV[1]  this sink's lease token
-- ARGV[2]  the consumer group
-- ARGV[3]  the most entries a batch takes
-- ARGV[4]  take fewer only when the oldest is at least this old (unix ms:
--          now minus the flush interval)
--
-- Returns one of:
--   { 'lost' }                     another sink holds the lease
--   { 'redo', CONSUMER }           the group has entries delivered and not
--                                  acknowledged; the oldest are CONSUMER's: a
--                                  batch it did not finish, to be written again
--                                  (batches are disjoint ranges, read in order,
--                                  so the oldest is done first)
--   { 'read', LOST }               read the next batch (XREADGROUP, outside
--                                  Lua: a script would copy every field);
--                                  LOST is '' or the highest ID that was
--                                  trimmed (the collector's MAXLEN) before any
--                                  sink read it: those entries are gone
--   { 'wait' }                     nothing to write yet
local holder = redis.call('GET', KEYS[1])
if holder ~= ARGV[1] then return { 'lost' } end
local pending = redis.call('XPENDING', KEYS[2], ARGV[2])
if pending[1] > 0 then
  local oldest = redis.call('XPENDING', KEYS[2], ARGV[2], pending[2], pending[2], 1)
  return { 'redo', oldest[1][2] }
end
local count = tonumber(ARGV[3])
-- Acknowledged entries are trimmed, so what the stream holds now is what no sink has taken.
if redis.call('XLEN', KEYS[2]) < count then
  local oldest = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
  if #oldest == 0 then return { 'wait' } end
  local oldest_ms = tonumber(string.match(oldest[1][1], '^(%d+)'))
  if oldest_ms > tonumber(ARGV[4]) then return { 'wait' } end
end
local function id_below(a, b)
  local a_ms, a_seq = string.match(a, '^(%d+)-(%d+)$')
  local b_ms, b_seq = string.match(b, '^(%d+)-(%d+)$')
  if tonumber(a_ms) ~= tonumber(b_ms) then return tonumber(a_ms) < tonumber(b_ms) end
  return tonumber(a_seq) < tonumber(b_seq)
end
local function field(flat, name)
  for i = 1, #flat, 2 do if flat[i] == name then return flat[i + 1] end end
end
local lost = ''
local max_deleted = field(redis.call('XINFO', 'STREAM', KEYS[2]), 'max-deleted-entry-id')
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[2])) do
  if field(group, 'name') == ARGV[2] and id_below(field(group, 'last-delivered-id'), max_deleted) then lost = max_deleted end
end
return { 'read', lost }
