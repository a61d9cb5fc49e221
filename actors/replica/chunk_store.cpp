#include "actors/replica/chunk_store.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <unordered_set>

#include "messages/chunk.pb.h"
#include "runtime/checksum.hpp"

namespace dfs {

namespace {

constexpr char chunk_magic[8] = {'D', 'F', 'S', 'C', 'H', 'N', 'K', '1'};
constexpr size_t prefix_bytes = sizeof(chunk_magic) + 4;  // magic + header length (LE)
constexpr const char* chunk_suffix = ".chunk";
constexpr size_t max_header_read = 4096;  // bytes; headers are far smaller

const char hex_digits[] = "0123456789abcdef";

constexpr const char* pack_suffix = ".pack";

// The magic number, the header's length and the header: what precedes a
// chunk's data in its file or pack.
std::string record_head(const proto::ChunkHeader& header) {
  auto encoded = header.SerializeAsString();
  auto header_len = static_cast<uint32_t>(encoded.size());
  std::string head(prefix_bytes, '\0');
  std::memcpy(head.data(), chunk_magic, sizeof(chunk_magic));
  std::memcpy(head.data() + sizeof(chunk_magic), &header_len, 4);
  return head + encoded;
}

// The head of a chunk's record.
std::string chunk_head(const chunk_id& id, uint64_t length, uint64_t checksum, int64_t created_ms) {
  proto::ChunkHeader header;
  header.set_id(id.value);
  header.set_length(length);
  header.set_checksum(checksum);
  header.set_created_ms(created_ms);
  return record_head(header);
}

// Parses the record at `at` of `raw`: its header, and where its data
// begins. False if there is no whole record there.
bool parse_record(const byte_buffer& raw, uint64_t at, proto::ChunkHeader& header,
                  uint64_t& data_at) {
  if (raw.size() < prefix_bytes || at > raw.size() - prefix_bytes ||
      std::memcmp(raw.data() + at, chunk_magic, sizeof(chunk_magic)) != 0)
    return false;
  uint32_t header_len = 0;
  std::memcpy(&header_len, raw.data() + at + sizeof(chunk_magic), 4);
  if (header_len > max_header_read || raw.size() - at - prefix_bytes < header_len ||
      !header.ParseFromArray(raw.data() + at + prefix_bytes, static_cast<int>(header_len)) ||
      !valid_chunk_id(header.id()))
    return false;
  data_at = at + prefix_bytes + header_len;
  return header.length() <= raw.size() - data_at;
}

// Calls f(header, offset, bytes) for each record of a pack, in order. A
// stretch that holds no whole record with the checksum it names (a write
// torn by a crash, damaged bytes, a damaged length that would hide the
// records after it) is skipped up to the next magic number.
template <class F>
void for_each_record(const byte_buffer& raw, F f) {
  uint64_t at = 0;
  while (at < raw.size()) {
    proto::ChunkHeader header;
    uint64_t data_at = 0;
    if (parse_record(raw, at, header, data_at) &&
        (header.removed()
           ? header.length() == 0
           : chunk_checksum(raw.data() + data_at, header.length()) == header.checksum())) {
      auto end = data_at + header.length();
      f(header, at, end - at);
      at = end;
      continue;
    }
    auto next = std::search(raw.begin() + static_cast<std::ptrdiff_t>(at) + 1, raw.end(),
                            std::begin(chunk_magic), std::end(chunk_magic));
    at = static_cast<uint64_t>(next - raw.begin());
  }
}

}  // namespace

// A pack file. Appends reserve their range under the store's mutex and
// write outside it; a writer then needs a sync that started after its
// write ended, and one sync serves every writer waiting for it.
struct chunk_store::segment {
  uint64_t number = 0;
  std::string path;
  uint64_t size = 0;     // bytes reserved: written, being written, or torn
  uint64_t live = 0;     // bytes of the records the index points at
  uint32_t writing = 0;  // appends reserved and not finished
  bool compacting = false;
  uint64_t pinned = 0;  // bytes of tombstones still needed, found by compaction
  uint64_t syncs_started = 0;
  uint64_t syncs_done = 0;
  bool syncing = false;
  uint64_t failed_sync = 0;  // the last sync that failed (0: none)
  disk_status sync_error;
};

chunk_store::chunk_store(disk& fs, std::string dir, chunk_store_options opts)
  : fs_(fs), dir_(std::move(dir)), opts_(opts) {}

std::string chunk_store::file_of(const std::string& id) const {
  return dir_ + "/" + id.substr(0, 2) + "/" + id + chunk_suffix;
}

std::string chunk_store::pack_path(uint64_t number) const {
  char name[32];
  std::snprintf(name, sizeof(name), "%016llx", static_cast<unsigned long long>(number));
  return dir_ + "/packs/" + name + pack_suffix;
}

disk_status chunk_store::open() {
  std::lock_guard<std::mutex> guard{mtx_};
  index_.clear();
  bytes_used_ = 0;
  for (char a : std::string{hex_digits})
    for (char b : std::string{hex_digits}) {
      auto sub = dir_ + "/" + a + b;
      if (auto st = fs_.make_dirs(sub); !st.ok())
        return st;
      for (auto& name : fs_.list_files(sub)) {
        if (name.find(temp_marker) != std::string::npos) {
          fs_.remove_file(sub + "/" + name);  // an interrupted write: never acknowledged
          continue;
        }
        auto suffix = std::strlen(chunk_suffix);
        if (name.size() != 32 + suffix || name.compare(32, suffix, chunk_suffix) != 0)
          continue;  // a leftover temp file or a stranger: not a chunk
        // The header is verified on every read; the index only needs sizes.
        byte_buffer raw;
        auto id = name.substr(0, 32);
        if (!fs_.read_at(sub + "/" + name, 0, max_header_read, raw).ok() ||
            raw.size() < prefix_bytes)
          continue;
        uint32_t header_len = 0;
        std::memcpy(&header_len, raw.data() + sizeof(chunk_magic), 4);
        proto::ChunkHeader header;
        if (raw.size() < prefix_bytes + header_len ||
            !header.ParseFromArray(raw.data() + prefix_bytes, static_cast<int>(header_len)))
          continue;
        index_record(id, stored_chunk{header.checksum(), header.length(), header.created_ms()});
      }
    }
  if (auto st = fs_.make_dirs(dir_ + "/packs"); !st.ok())
    return st;
  return open_packs();
}

// Replays the packs in order: a record adds a copy of its chunk, a
// tombstone removes the copy it names, and the newest copy left is the
// one indexed. (A store that replaces a packed copy, and compaction
// when its copy turned out not to be needed, write tombstones too, so
// removing the newest copy never brings an older one back.) Appends go
// to a new pack, never after what a crash may have torn.
disk_status chunk_store::open_packs() {
  packs_.clear();
  open_pack_ = 0;
  next_pack_ = 1;
  std::vector<uint64_t> numbers;
  for (auto& name : fs_.list_files(dir_ + "/packs")) {
    auto suffix = std::strlen(pack_suffix);
    if (name.size() != 16 + suffix || name.compare(16, suffix, pack_suffix) != 0 ||
        name.find_first_not_of(hex_digits) != 16)
      continue;
    numbers.push_back(std::stoull(name.substr(0, 16), nullptr, 16));
  }
  std::sort(numbers.begin(), numbers.end());
  std::unordered_map<std::string, std::vector<stored_chunk>> copies;
  for (auto n : numbers) {
    auto seg = std::make_shared<segment>();
    seg->number = n;
    seg->path = pack_path(n);
    packs_[n] = seg;
    next_pack_ = n + 1;
    byte_buffer raw;
    // Never skipped: an unread pack would look empty, and be compacted away.
    if (auto st = fs_.read_file(seg->path, raw); !st.ok())
      return {st.code, "pack " + seg->path + " cannot be read: " + st.message};
    seg->size = raw.size();
    for_each_record(raw, [&](const proto::ChunkHeader& h, uint64_t at, uint64_t bytes) {
      auto& list = copies[h.id()];
      if (!h.removed()) {
        list.push_back(stored_chunk{h.checksum(), h.length(), h.created_ms(), n, at, bytes});
        return;
      }
      list.erase(std::remove_if(list.begin(), list.end(),
                                [&](const stored_chunk& c) {
                                  return c.pack == h.target_pack() && c.offset == h.target_offset();
                                }),
                 list.end());
    });
  }
  for (auto& [id, list] : copies)
    if (!list.empty())
      index_record(id, list.back());  // replay order: the newest
  return {};
}

void chunk_store::index_record(const std::string& id, const stored_chunk& c) {
  auto [it, fresh] = index_.try_emplace(id, c);
  if (!fresh) {
    bytes_used_ -= it->second.length;
    if (auto old = packs_.find(it->second.pack); old != packs_.end())
      old->second->live -= it->second.record;
    it->second = c;
  }
  bytes_used_ += c.length;
  if (auto seg = packs_.find(c.pack); seg != packs_.end())
    seg->second->live += c.record;
}

disk_status chunk_store::put(const chunk_id& id, const byte_buffer& data, uint64_t checksum,
                             int64_t created_ms) {
  return store({put_ref{&id, &data, checksum}}, created_ms);
}

disk_status chunk_store::put_many(const chunk_batch& batch, int64_t created_ms) {
  if (batch.data.size() != batch.ids.size() || batch.checksums.size() != batch.ids.size())
    return {errc::invalid_argument, "a chunk batch whose lists differ in length"};
  std::vector<put_ref> items;
  for (size_t i = 0; i < batch.ids.size(); ++i)
    items.push_back(put_ref{&batch.ids[i], &batch.data[i], batch.checksums[i]});
  return store(items, created_ms);
}

disk_status chunk_store::store(const std::vector<put_ref>& items, int64_t created_ms) {
  std::unordered_set<std::string> ids;
  for (auto& item : items) {
    auto& id = item.id->value;
    if (!valid_chunk_id(id))
      return {errc::invalid_argument, "invalid chunk id '" + id + "'"};
    if (item.data->size() > max_chunk_bytes)
      return {errc::too_large,
              "chunk " + id + " is larger than " + std::to_string(max_chunk_bytes) + " bytes"};
    if (chunk_checksum(item.data->data(), item.data->size()) != item.checksum)
      return {errc::corrupt, "chunk " + id + " does not match its checksum"};
    if (!ids.insert(id).second)
      return {errc::invalid_argument, "chunk " + id + " appears twice in one store"};
  }
  std::vector<stored_chunk> where;
  {
    std::unique_lock<std::mutex> guard{mtx_};
    // All at once, never one by one: two stores holding some ids of each
    // other's would wait for each other forever.
    written_.wait(guard, [&] {
      return std::none_of(items.begin(), items.end(),
                          [&](const put_ref& item) { return writing_.count(item.id->value) > 0; });
    });
    for (auto& item : items) {
      stored_chunk c{item.checksum, item.data->size(), created_ms};
      if (auto it = index_.find(item.id->value); it != index_.end()) {
        if (it->second.checksum != item.checksum)
          return {errc::already_exists, "chunk " + item.id->value + " exists with other content"};
        // Stored again all the same (the old copy is not trusted blindly),
        // and newer than the copy an earlier inventory listed, so that a
        // removal meant for that one leaves this one alone.
        c.created_ms = std::max(created_ms, it->second.created_ms + 1);
      }
      where.push_back(c);
    }
    for (auto& item : items)
      writing_.insert(item.id->value);
  }
  // Small chunks are appended to the open pack, then every pack they
  // went to is synced once; larger ones are files of their own. Stops at
  // the first failure: the chunks after it are not written.
  std::vector<std::string> heads(items.size());
  uint64_t packed_bytes = 0;
  for (size_t i = 0; i < items.size(); ++i)
    if (packed(where[i].length)) {
      heads[i] = chunk_head(*items[i].id, where[i].length, items[i].checksum, where[i].created_ms);
      packed_bytes += heads[i].size() + where[i].length;
    }
  std::vector<disk_status> done(items.size(), disk_status{errc::internal, "not written"});
  std::vector<std::shared_ptr<segment>> segs(items.size());
  disk_status st;
  if (packed_bytes > 0 && fs_.free_bytes(dir_) < packed_bytes)
    st = {errc::no_space, "no space left for chunk " + items.front().id->value};
  for (size_t i = 0; i < items.size() && st.ok(); ++i) {
    auto& item = items[i];
    if (!packed(where[i].length)) {
      st = done[i] = write_chunk_file(*item.id, *item.data, item.checksum, where[i].created_ms);
      continue;
    }
    // Reserved in the pack even when the write fails: the append is ended
    // (end_append) below all the same.
    st = done[i] = append(heads[i], item.data->data(), item.data->size(), segs[i], where[i].offset);
    where[i].pack = segs[i]->number;
    where[i].record = heads[i].size() + where[i].length;
  }
  std::map<uint64_t, disk_status> synced;
  for (size_t i = 0; i < items.size(); ++i)
    if (segs[i] && done[i].ok()) {
      auto it = synced.find(segs[i]->number);
      if (it == synced.end())
        it = synced.emplace(segs[i]->number, sync(*segs[i])).first;
      done[i] = it->second;
      if (st.ok() && !done[i].ok())
        st = done[i];
    }
  std::vector<std::pair<std::string, stored_chunk>> replaced;  // packed copies now superseded
  {
    std::lock_guard<std::mutex> guard{mtx_};
    for (size_t i = 0; i < items.size(); ++i) {
      auto& id = items[i].id->value;
      writing_.erase(id);
      // The append ends here, with the record indexed in the same step:
      // compaction must never see the pack idle and the record unindexed.
      if (segs[i])
        end_append(where[i].pack, done[i].ok());
      if (!done[i].ok())
        continue;
      if (auto old = index_.find(id); old != index_.end()) {
        // A copy in a file of its own that a pack record now replaces
        // (the pack limit changed) would be found again at the next open.
        if (old->second.pack == 0 && where[i].pack != 0)
          fs_.remove_file(file_of(id));
        if (old->second.pack != 0)
          replaced.emplace_back(id, old->second);
      }
      index_record(id, where[i]);
      bad_.erase(id);
    }
  }
  written_.notify_all();
  for (auto& [id, old] : replaced)
    append_tombstone(id, old.pack, old.offset);
  return st;
}

disk_status chunk_store::append(const std::string& head, const char* data, size_t size,
                                std::shared_ptr<segment>& seg, uint64_t& offset) {
  auto bytes = head.size() + size;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto it = packs_.find(open_pack_);
    if (it == packs_.end() ||
        (it->second->size > 0 && it->second->size + bytes > opts_.pack_bytes)) {
      auto number = next_pack_++;  // never reused: tombstones name packs
      auto fresh = std::make_shared<segment>();
      fresh->number = number;
      fresh->path = pack_path(number);
      it = packs_.emplace(number, std::move(fresh)).first;
      open_pack_ = number;
    }
    seg = it->second;
    offset = seg->size;
    seg->size += bytes;
    ++seg->writing;
  }
  return fs_.write_at(seg->path, offset,
                      {const_slice{head.data(), head.size()}, const_slice{data, size}});
}

disk_status chunk_store::sync(segment& seg) {
  std::unique_lock<std::mutex> guard{mtx_};
  auto need = seg.syncs_started + 1;  // a sync that starts after this writer's write
  while (seg.syncs_done < need) {
    if (seg.syncing) {
      synced_.wait(guard);
      continue;
    }
    seg.syncing = true;
    auto number = ++seg.syncs_started;
    guard.unlock();
    auto st = fs_.sync(seg.path);
    guard.lock();
    seg.syncing = false;
    seg.syncs_done = number;
    if (!st.ok()) {
      seg.failed_sync = number;
      seg.sync_error = st;
    }
    synced_.notify_all();
  }
  // A failed sync may have lost any write before it (the kernel marks
  // the pages clean and reports the error once), so every writer of the
  // pack from then on fails, and appends go to a new pack.
  if (seg.failed_sync != 0) {
    if (open_pack_ == seg.number)
      open_pack_ = 0;
    return seg.sync_error;
  }
  return {};
}

void chunk_store::end_append(uint64_t pack, bool ok) {
  auto it = packs_.find(pack);
  if (it == packs_.end())
    return;
  auto& seg = *it->second;
  --seg.writing;
  if (!ok && open_pack_ == seg.number)
    open_pack_ = 0;  // appends go on in a new pack (this one may have been deleted)
  if (seg.writing == 0 && open_pack_ != seg.number)
    fs_.release(seg.path);  // sealed and idle: its descriptor is not needed
}

void chunk_store::append_tombstone(const std::string& id, uint64_t pack, uint64_t offset) {
  proto::ChunkHeader header;
  header.set_id(id);
  header.set_removed(true);
  header.set_target_pack(pack);
  header.set_target_offset(offset);
  std::shared_ptr<segment> seg;
  uint64_t at = 0;
  // Not synced: a tombstone lost in a crash brings back a copy that
  // garbage collection or the next read removes again.
  auto st = append(record_head(header), nullptr, 0, seg, at);
  std::lock_guard<std::mutex> guard{mtx_};
  end_append(seg->number, st.ok());
}

disk_status chunk_store::write_chunk_file(const chunk_id& id, const byte_buffer& data,
                                          uint64_t checksum, int64_t created_ms) {
  if (fs_.free_bytes(dir_) < data.size())
    return {errc::no_space, "no space left for chunk " + id.value};
  auto head = chunk_head(id, data.size(), checksum, created_ms);
  return fs_.write_parts(file_of(id.value), {const_slice{head.data(), head.size()},
                                             const_slice{data.data(), data.size()}});
}

void chunk_store::forget(const std::string& id, why reason) {
  if (auto it = index_.find(id); it != index_.end()) {
    bytes_used_ -= it->second.length;
    if (auto seg = packs_.find(it->second.pack); seg != packs_.end())
      seg->second->live -= it->second.record;
    index_.erase(it);
    if (reason == why::removed)
      return;
    bad_.insert(id);
    ++(reason == why::corrupt ? corrupt_found_ : missing_found_);
  }
}

disk_status chunk_store::get(const chunk_id& id, byte_buffer& out) {
  if (!valid_chunk_id(id.value))
    return {errc::invalid_argument, "invalid chunk id '" + id.value + "'"};
  auto path = file_of(id.value);
  int64_t seen = -1;  // creation time of the copy being read; -1: not indexed
  for (int attempt = 0;; ++attempt) {
    std::optional<stored_chunk> where;
    {
      // Not while it is being written: the file would look short.
      std::unique_lock<std::mutex> guard{mtx_};
      written_.wait(guard, [&] { return writing_.count(id.value) == 0; });
      if (auto it = index_.find(id.value); it != index_.end())
        where = it->second;
    }
    if (!where || where->pack == 0) {
      seen = where ? where->created_ms : -1;
      break;
    }
    // A record moved by compaction meanwhile is looked up again.
    bool moved = false;
    auto st = get_packed(id, *where, out, moved);
    if (!moved || attempt == 3)
      return st;
  }
  // Drops the copy that was read, unless another was stored meanwhile.
  auto drop = [&](why reason) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto it = index_.find(id.value);
    if (writing_.count(id.value) ||
        (it == index_.end() ? seen != -1 : it->second.created_ms != seen))
      return;
    if (reason == why::corrupt)
      fs_.remove_file(path);
    forget(id.value, reason);
  };
  auto corrupt = [&](const char* what) {
    // The copy is useless and must not be offered again; repair replaces it.
    drop(why::corrupt);
    return disk_status{errc::corrupt, "chunk " + id.value + ": " + what};
  };
  // The header first, then the data into `out` (not into a buffer of
  // header and data that would then be copied apart).
  byte_buffer head;
  if (auto st = fs_.read_at(path, 0, max_header_read, head); !st.ok()) {
    if (st.code == errc::not_found) {
      st.message = "chunk " + id.value + " is not stored here";
      drop(why::missing);
    }
    return st;
  }
  if (head.size() < prefix_bytes || std::memcmp(head.data(), chunk_magic, sizeof(chunk_magic)) != 0)
    return corrupt("bad magic number");
  uint32_t header_len = 0;
  std::memcpy(&header_len, head.data() + sizeof(chunk_magic), 4);
  proto::ChunkHeader header;
  if (head.size() < prefix_bytes + header_len ||
      !header.ParseFromArray(head.data() + prefix_bytes, static_cast<int>(header_len)))
    return corrupt("unreadable header");
  if (header.id() != id.value)
    return corrupt("header names another chunk");
  // One byte more than the header promises: a longer file is corrupt too.
  byte_buffer data;
  if (auto st = fs_.read_at(path, prefix_bytes + header_len, header.length() + 1, data); !st.ok())
    return st;
  if (data.size() != header.length())
    return corrupt("length does not match the header");
  if (chunk_checksum(data.data(), data.size()) != header.checksum())
    return corrupt("checksum mismatch");
  out = std::move(data);
  return {};
}

disk_status chunk_store::get_packed(const chunk_id& id, const stored_chunk& seen, byte_buffer& out,
                                    bool& moved) {
  auto path = pack_path(seen.pack);
  byte_buffer raw;
  auto st = fs_.read_at(path, seen.offset, seen.record, raw);
  if (!st.ok() && st.code != errc::not_found)
    return st;  // the disk's failure, not the copy's
  proto::ChunkHeader header;
  uint64_t data_at = 0;
  const char* problem = nullptr;
  if (!st.ok())
    problem = "its pack is gone";
  else if (!parse_record(raw, 0, header, data_at) || header.removed())
    problem = "unreadable header";
  else if (header.id() != id.value)
    problem = "header names another chunk";
  else if (data_at + header.length() != raw.size() || header.length() != seen.length)
    problem = "length does not match the header";
  else if (chunk_checksum(raw.data() + data_at, header.length()) != header.checksum())
    problem = "checksum mismatch";
  if (!problem) {
    out.assign(raw.begin() + static_cast<std::ptrdiff_t>(data_at), raw.end());
    return {};
  }
  auto reason = st.ok() ? why::corrupt : why::missing;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto it = index_.find(id.value);
    if (it == index_.end())
      return {errc::not_found, "chunk " + id.value + " is not stored here"};  // removed meanwhile
    if (writing_.count(id.value) || it->second.pack != seen.pack ||
        it->second.offset != seen.offset) {
      moved = true;
      return {errc::unavailable, "chunk " + id.value + " moved while being read"};
    }
    forget(id.value, reason);
  }
  // The bad record must not come back at the next open.
  append_tombstone(id.value, seen.pack, seen.offset);
  if (reason == why::missing)
    return {errc::not_found, "chunk " + id.value + " is not stored here: " + problem};
  return {errc::corrupt, "chunk " + id.value + ": " + problem};
}

disk_status chunk_store::remove(const chunk_id& id, int64_t created_ms) {
  if (!valid_chunk_id(id.value))
    return {errc::invalid_argument, "invalid chunk id '" + id.value + "'"};
  std::unique_lock<std::mutex> guard{mtx_};
  written_.wait(guard, [&] { return writing_.count(id.value) == 0; });
  if (created_ms >= 0) {
    auto it = index_.find(id.value);
    if (it == index_.end())
      return {};
    if (it->second.created_ms != created_ms)
      return {errc::already_exists, "chunk " + id.value + " was stored again; kept"};
  }
  auto it = index_.find(id.value);
  if (it != index_.end() && it->second.pack != 0) {
    auto pack = it->second.pack, offset = it->second.offset;
    forget(id.value, why::removed);
    bad_.erase(id.value);
    guard.unlock();
    append_tombstone(id.value, pack, offset);
    return {};
  }
  auto st = fs_.remove_file(file_of(id.value));
  forget(id.value, why::removed);
  bad_.erase(id.value);
  return st;
}

std::vector<chunk_store::listed> chunk_store::list() {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<listed> out;
  out.reserve(index_.size());
  for (auto& [id, c] : index_)
    out.push_back(listed{chunk_id{id}, c.length, c.created_ms});
  return out;
}

std::vector<chunk_id> chunk_store::bad() {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<chunk_id> out;
  for (auto& id : bad_)
    out.push_back(chunk_id{id});
  return out;
}

chunk_store::scrub_result chunk_store::scrub(const std::string& cursor, uint64_t max_bytes) {
  scrub_result out;
  out.cursor = cursor;
  while (out.cost < max_bytes) {
    std::string id;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      auto it = index_.upper_bound(out.cursor);
      if (it == index_.end()) {
        out.cursor.clear();  // the pass is complete
        return out;
      }
      id = it->first;
    }
    out.cursor = id;
    byte_buffer data;
    auto st = get(chunk_id{id}, data);
    ++out.chunks;
    out.bytes += data.size();
    out.cost += std::max<uint64_t>(data.size(), scrub_chunk_cost);  // a failed read too
    if (st.code == errc::corrupt)
      ++out.corrupt;
    else if (st.code == errc::not_found)
      ++out.missing;
  }
  return out;
}

uint64_t chunk_store::compact() {
  std::shared_ptr<segment> victim;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto& [number, seg] : packs_) {
      if (number == open_pack_ || seg->writing > 0 || seg->compacting ||
          (seg->live + seg->pinned) * 2 > seg->size)
        continue;
      if (!victim || seg->live * victim->size < victim->live * seg->size)
        victim = seg;
    }
    if (victim)
      victim->compacting = true;
  }
  if (!victim)
    return 0;
  auto give_up = [&](uint64_t pinned) {
    std::lock_guard<std::mutex> guard{mtx_};
    victim->compacting = false;  // a later step tries again
    victim->pinned = pinned;
    return uint64_t{0};
  };
  byte_buffer raw;
  if (auto st = fs_.read_file(victim->path, raw); !st.ok() && st.code != errc::not_found)
    return give_up(0);
  // What must survive the pack: the records the index points at, and the
  // tombstones of records in other packs that still exist.
  struct kept {
    std::string id;
    uint64_t offset, bytes;
    bool record;
    std::shared_ptr<segment> seg;
    uint64_t new_offset = 0;
  };
  std::vector<kept> keep;
  uint64_t kept_bytes = 0, tombstone_bytes = 0;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    for_each_record(raw, [&](const proto::ChunkHeader& h, uint64_t at, uint64_t bytes) {
      if (h.removed()) {
        if (h.target_pack() != victim->number && packs_.count(h.target_pack())) {
          keep.push_back(kept{h.id(), at, bytes, false, nullptr});
          kept_bytes += bytes;
          tombstone_bytes += bytes;
        }
        return;
      }
      auto it = index_.find(h.id());
      if (it != index_.end() && it->second.pack == victim->number && it->second.offset == at) {
        keep.push_back(kept{h.id(), at, bytes, true, nullptr});
        kept_bytes += bytes;
      }
    });
  }
  // Needed tombstones alone can fill a pack: then it stays until the
  // packs they name are gone, instead of being copied over and over.
  if (kept_bytes * 2 > victim->size)
    return give_up(tombstone_bytes);
  // The same bytes (a record's header names its chunk, not its place),
  // then one sync per pack written.
  auto failed = false;
  std::vector<std::shared_ptr<segment>> written;
  for (auto& k : keep) {
    if (failed)
      break;
    failed =
      !append(std::string{raw.data() + k.offset, k.bytes}, nullptr, 0, k.seg, k.new_offset).ok();
    if (written.empty() || written.back() != k.seg)
      written.push_back(k.seg);
  }
  for (auto& seg : written)
    failed = !sync(*seg).ok() || failed;
  std::vector<kept*> orphans;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto& k : keep) {
      if (!k.record || failed)
        continue;
      auto it = index_.find(k.id);
      if (it == index_.end() || it->second.pack != victim->number ||
          it->second.offset != k.offset) {
        orphans.push_back(&k);  // removed or stored again meanwhile: the copy is not needed
      } else {
        auto moved = it->second;
        moved.pack = k.seg->number;
        moved.offset = k.new_offset;
        index_record(k.id, moved);
      }
    }
    // The appends end with the index updated (see put()).
    for (auto& k : keep)
      if (k.seg)
        end_append(k.seg->number, !failed);
    if (failed) {
      victim->compacting = false;  // the pack stays; a later step tries again
      return 0;
    }
    // A record the index names that the scan did not find is damaged.
    std::vector<std::string> lost;
    for (auto& [id, c] : index_)
      if (c.pack == victim->number)
        lost.push_back(id);
    for (auto& id : lost)
      forget(id, why::corrupt);
    packs_.erase(victim->number);
    for (auto& [number, seg] : packs_)
      seg->pinned = 0;  // tombstones naming the pack are no longer needed
  }
  for (auto* k : orphans)
    append_tombstone(k->id, k->seg->number, k->new_offset);
  fs_.remove_file(victim->path);
  return victim->size - kept_bytes;
}

std::optional<chunk_store::location> chunk_store::locate(const chunk_id& id) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto it = index_.find(id.value);
  if (it == index_.end())
    return std::nullopt;
  if (it->second.pack == 0)
    return location{file_of(id.value), 0, 0};
  return location{pack_path(it->second.pack), it->second.offset, it->second.record};
}

uint64_t chunk_store::pack_bytes() {
  std::lock_guard<std::mutex> guard{mtx_};
  uint64_t out = 0;
  for (auto& [number, seg] : packs_)
    out += seg->size;
  return out;
}

replica_stats chunk_store::stats() {
  std::lock_guard<std::mutex> guard{mtx_};
  replica_stats out;
  out.chunks = index_.size();
  out.bytes_used = bytes_used_;
  out.bytes_free = fs_.free_bytes(dir_);
  out.corrupt_found = corrupt_found_;
  out.missing_found = missing_found_;
  return out;
}

}  // namespace dfs
