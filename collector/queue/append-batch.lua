-- Appends one batch of a node's records to its stream, each record exactly once.
--
-- KEYS[1]  the node's last applied seq per spool epoch (powerprof:{node}:epochs),
--          a hash: epoch -> "<last seq>:<last used, unix ms>"
-- KEYS[2]  the node's record stream      (powerprof:{node}:records)
-- KEYS[3]  the node's completeness counts (powerprof:{node}:counts):
--          produced, dropped and agent_refused as its agent last reported;
--          written and refused (by the collector's rules) as counted here
-- KEYS[4]  the last applied seq of agents that name no epoch, from before
--          epochs (powerprof:{node}:seq): read once for epoch 0, then moved
--          All carry the node as a hash tag, so they share a Cluster slot.
-- ARGV[1]  MAXLEN for approximate trimming; 0 keeps everything
-- ARGV[2]  records the agent has produced, ARGV[3] records its spool dropped,
-- ARGV[4]  records the agent's own check refused
-- ARGV[5]  the batch's spool epoch ("0": none said)
-- ARGV[6]  the batch's seq: at least every record's, refused ones included
-- ARGV[7]  how many of the batch's records the collector refused
-- ARGV[8]  now, unix ms; ARGV[9] the most epochs kept per node (the least
--          recently used goes beyond that)
-- ARGV[10] the records: a MessagePack array with an array of strings per
--          record: the entry's fields as XADD takes them: "seq", the seq, "kind",
--          the kind, then the other field names and values
--          (record-pack.ts, stream-fields.ts), seqs increasing
--
-- Seqs are scoped to a spool epoch, so that no high-water mark of another
-- spool (stale, or forged) can make a node's new records look written. A
-- record whose seq is not above its epoch's last applied seq was written
-- before (a retry, however the batches were cut): it is skipped. Records are
-- in seq order, so the skipped ones are a prefix of the batch. (Records of an
-- agent that numbers batches only all carry the batch's seq: all or none.)
--
-- Returns { written, skipped, last_seq, trimmed, written_total, produced,
--           dropped, refused_total, agent_refused, retry }: retry is 1 when
--           the whole batch had been applied before.
local epoch = ARGV[5]
local state = redis.call('HGET', KEYS[1], epoch)
-- Seqs stay text where they are written back: Lua would print a large one in exponent notation.
local last_text = '0'
if state then
  last_text = string.match(state, '^(%d+)')
elseif epoch == '0' then
  last_text = redis.call('GET', KEYS[4]) or '0'
end
local last = tonumber(last_text)
local batch_seq = tonumber(ARGV[6])
local retry = batch_seq <= last
local maxlen = tonumber(ARGV[1])
local before = redis.call('XLEN', KEYS[2])
local records = cmsgpack.unpack(ARGV[10])
local written = 0
local skipped = 0
-- Each record's array is the XADD's fields as they are (no table built per record: Lua's time here
-- is Redis's CPU per record).
for _, record in ipairs(records) do
  local seq = tonumber(record[2])
  if seq <= last then
    skipped = skipped + 1
  elseif maxlen > 0 then
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', maxlen, '*', unpack(record))
    written = written + 1
  else
    redis.call('XADD', KEYS[2], '*', unpack(record))
    written = written + 1
  end
end
-- The batch's seq covers its refused records too: a Hello after this says the agent may forget them.
if not retry then last_text = ARGV[6] end
if not state and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[9]) then
  -- A new epoch past the bound: the least recently used one goes (a forged flood cannot grow this).
  local all = redis.call('HGETALL', KEYS[1])
  local oldest, oldest_used = nil, nil
  for i = 1, #all, 2 do
    local used = tonumber(string.match(all[i + 1], ':(%d+)$') or '0')
    if oldest_used == nil or used < oldest_used then
      oldest, oldest_used = all[i], used
    end
  end
  if oldest then redis.call('HDEL', KEYS[1], oldest) end
end
redis.call('HSET', KEYS[1], epoch, last_text .. ':' .. ARGV[8])
if epoch == '0' and not state then redis.call('DEL', KEYS[4]) end
local last_seq = tonumber(last_text)
local written_total = redis.call('HINCRBY', KEYS[3], 'written', written)
local refused_total = tonumber(redis.call('HGET', KEYS[3], 'refused') or '0')
if not retry and tonumber(ARGV[7]) > 0 then
  refused_total = redis.call('HINCRBY', KEYS[3], 'refused', tonumber(ARGV[7]))
end
-- The agent's counts only grow; a late batch from before a restart must not set them back.
local function grow(field, value)
  local known = tonumber(redis.call('HGET', KEYS[3], field) or '0')
  if tonumber(value) > known then
    redis.call('HSET', KEYS[3], field, value)
    return tonumber(value)
  end
  return known
end
local produced = grow('produced', ARGV[2])
local dropped = grow('dropped', ARGV[3])
local agent_refused = grow('agent_refused', ARGV[4])
local after = redis.call('XLEN', KEYS[2])
local retry_flag = 0
if retry then retry_flag = 1 end
return { written, skipped, last_seq, before + written - after, written_total, produced, dropped, refused_total, agent_refused, retry_flag }
