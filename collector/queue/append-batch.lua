-- Appends one batch of a node's records to its stream, exactly once.
--
-- KEYS[1]  the node's last applied seq   (powerprof:{node}:seq)
-- KEYS[2]  the node's record stream      (powerprof:{node}:records)
--          Both carry the node as a hash tag, so they share a Cluster slot.
-- ARGV[1]  the batch's seq (a positive integer)
-- ARGV[2]  MAXLEN for approximate trimming; 0 keeps everything
-- ARGV[3], ARGV[4], ...  pairs of record kind and record JSON
--
-- Returns { applied, last_seq, trimmed }:
--   applied   1 when the records were appended, 0 when seq was not above the
--             last applied seq (a retried batch: nothing is written)
--   last_seq  the node's last applied seq after this call
--   trimmed   entries removed by MAXLEN trimming during this call
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local seq = tonumber(ARGV[1])
if seq <= last then
  return { 0, last, 0 }
end

local maxlen = tonumber(ARGV[2])
local before = redis.call('XLEN', KEYS[2])
local added = 0
for i = 3, #ARGV, 2 do
  if maxlen > 0 then
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', maxlen, '*', 'seq', ARGV[1], 'kind', ARGV[i], 'data', ARGV[i + 1])
  else
    redis.call('XADD', KEYS[2], '*', 'seq', ARGV[1], 'kind', ARGV[i], 'data', ARGV[i + 1])
  end
  added = added + 1
end
redis.call('SET', KEYS[1], ARGV[1])
local after = redis.call('XLEN', KEYS[2])
return { 1, seq, before + added - after }
