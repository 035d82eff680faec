-- Appends one batch of a node's records to its stream, each record exactly once.
--
-- KEYS[1]  the node's last applied seq   (powerprof:{node}:seq)
-- KEYS[2]  the node's record stream      (powerprof:{node}:records)
-- KEYS[3]  the node's completeness counts (powerprof:{node}:counts):
--          produced and dropped as its agent last reported, written as counted here
--          All carry the node as a hash tag, so they share a Cluster slot.
-- ARGV[1]  MAXLEN for approximate trimming; 0 keeps everything
-- ARGV[2]  records the agent has produced, ARGV[3] records its spool dropped
-- ARGV[4]  the records: a MessagePack array of strings, three per record (seq, kind, JSON),
--          seqs increasing (record-pack.ts)
--
-- A record whose seq is not above the node's last applied seq was written
-- before (a retry, however the batches were cut): it is skipped. Records are
-- in seq order, so the skipped ones are a prefix of the batch. (Records of an
-- agent that numbers batches only all carry the batch's seq: all or none.)
--
-- Returns { written, skipped, last_seq, trimmed, written_total, produced, dropped }.
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local last_text = nil
local maxlen = tonumber(ARGV[1])
local before = redis.call('XLEN', KEYS[2])
local records = cmsgpack.unpack(ARGV[4])
local written = 0
local skipped = 0
for i = 1, #records, 3 do
  local seq = tonumber(records[i])
  if seq <= last then
    skipped = skipped + 1
  else
    if maxlen > 0 then
      redis.call('XADD', KEYS[2], 'MAXLEN', '~', maxlen, '*', 'seq', records[i], 'kind', records[i + 1], 'data', records[i + 2])
    else
      redis.call('XADD', KEYS[2], '*', 'seq', records[i], 'kind', records[i + 1], 'data', records[i + 2])
    end
    written = written + 1
    -- Kept as text: Lua would print a large seq in exponent notation.
    last_text = records[i]
  end
end
if last_text then
  redis.call('SET', KEYS[1], last_text)
end
local last_seq = last
if last_text then last_seq = tonumber(last_text) end
local written_total = redis.call('HINCRBY', KEYS[3], 'written', written)
-- The agent's counts only grow; a late batch from before a restart must not set them back.
local produced = tonumber(redis.call('HGET', KEYS[3], 'produced') or '0')
if tonumber(ARGV[2]) > produced then
  redis.call('HSET', KEYS[3], 'produced', ARGV[2])
  produced = tonumber(ARGV[2])
end
local dropped = tonumber(redis.call('HGET', KEYS[3], 'dropped') or '0')
if tonumber(ARGV[3]) > dropped then
  redis.call('HSET', KEYS[3], 'dropped', ARGV[3])
  dropped = tonumber(ARGV[3])
end
local after = redis.call('XLEN', KEYS[2])
return { written, skipped, last_seq, before + written - after, written_total, produced, dropped }
