#include "actors/replica/chunk_store.hpp"

#include <algorithm>
#include <cstring>

#include "messages/chunk.pb.h"
#include "runtime/checksum.hpp"

namespace dfs {

namespace {

constexpr char chunk_magic[8] = {'D', 'F', 'S', 'C', 'H', 'N', 'K', '1'};
constexpr size_t prefix_bytes = sizeof(chunk_magic) + 4;  // magic + header length (LE)
constexpr const char* chunk_suffix = ".chunk";
constexpr size_t max_header_read = 4096;  // bytes; headers are far smaller

const char hex_digits[] = "0123456789abcdef";

}  // namespace

chunk_store::chunk_store(disk& fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}

std::string chunk_store::file_of(const std::string& id) const {
  return dir_ + "/" + id.substr(0, 2) + "/" + id + chunk_suffix;
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
        index_[id] = stored_chunk{header.checksum(), header.length(), header.created_ms()};
        bytes_used_ += header.length();
      }
    }
  return {};
}

disk_status chunk_store::put(const chunk_id& id, const byte_buffer& data, uint64_t checksum,
                             int64_t created_ms) {
  if (!valid_chunk_id(id.value))
    return {errc::invalid_argument, "invalid chunk id '" + id.value + "'"};
  if (data.size() > max_chunk_bytes)
    return {errc::too_large,
            "chunk " + id.value + " is larger than " + std::to_string(max_chunk_bytes) + " bytes"};
  if (chunk_checksum(data.data(), data.size()) != checksum)
    return {errc::corrupt, "chunk " + id.value + " does not match its checksum"};
  {
    std::unique_lock<std::mutex> guard{mtx_};
    written_.wait(guard, [&] { return writing_.count(id.value) == 0; });
    auto it = index_.find(id.value);
    if (it != index_.end()) {
      if (it->second.checksum != checksum)
        return {errc::already_exists, "chunk " + id.value + " exists with other content"};
      // Stored again all the same (the old file is not trusted blindly),
      // and newer than the copy an earlier inventory listed, so that a
      // removal meant for that one leaves this one alone.
      created_ms = std::max(created_ms, it->second.created_ms + 1);
    }
    writing_.insert(id.value);
  }
  auto st = write_chunk_file(id, data, checksum, created_ms);
  {
    std::lock_guard<std::mutex> guard{mtx_};
    writing_.erase(id.value);
    if (st.ok()) {
      auto [it, fresh] = index_.try_emplace(id.value);
      if (fresh)
        bytes_used_ += data.size();
      it->second = stored_chunk{checksum, data.size(), created_ms};
      bad_.erase(id.value);
    }
  }
  written_.notify_all();
  return st;
}

disk_status chunk_store::write_chunk_file(const chunk_id& id, const byte_buffer& data,
                                          uint64_t checksum, int64_t created_ms) {
  if (fs_.free_bytes(dir_) < data.size())
    return {errc::no_space, "no space left for chunk " + id.value};
  proto::ChunkHeader header;
  header.set_id(id.value);
  header.set_length(data.size());
  header.set_checksum(checksum);
  header.set_created_ms(created_ms);
  auto encoded = header.SerializeAsString();
  auto header_len = static_cast<uint32_t>(encoded.size());
  std::string head(prefix_bytes, '\0');
  std::memcpy(head.data(), chunk_magic, sizeof(chunk_magic));
  std::memcpy(head.data() + sizeof(chunk_magic), &header_len, 4);
  head += encoded;
  return fs_.write_parts(file_of(id.value), {const_slice{head.data(), head.size()},
                                             const_slice{data.data(), data.size()}});
}

void chunk_store::forget(const std::string& id, why reason) {
  if (auto it = index_.find(id); it != index_.end()) {
    bytes_used_ -= it->second.length;
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
  {
    // Not while it is being written: the file would look short.
    std::unique_lock<std::mutex> guard{mtx_};
    written_.wait(guard, [&] { return writing_.count(id.value) == 0; });
    if (auto it = index_.find(id.value); it != index_.end())
      seen = it->second.created_ms;
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
  // The header first, then the data straight into `out` (no copy).
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
