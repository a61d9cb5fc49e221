// Immutable, checksummed chunks on a replica's disk, stored as records: a
// magic number, a protobuf ChunkHeader (id, length, XXH3-64 checksum) and
// the data. A chunk larger than the pack limit is a file of its own,
// <dir>/<first two hex digits>/<id>.chunk. Smaller ones are appended to
// pack files <dir>/packs/<number>.pack (creating a file costs far more
// than appending to one, and concurrent writers share one fdatasync);
// removing one appends a tombstone naming the record, and packs that are
// mostly garbage are compacted (see compact()). Every read verifies
// length and checksum; a mismatch is errc::corrupt, never data.
// Thread-safe; calls block on the disk, so run them off the CAF scheduler.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "messages/repair_messages.hpp"
#include "messages/types.hpp"
#include "runtime/disk.hpp"

namespace dfs {

// The largest chunk a store accepts (the largest configurable chunk size).
constexpr uint64_t max_chunk_bytes = 64ull << 20;

struct chunk_store_options {
  uint64_t pack_limit = 64 * 1024;    // bytes; larger chunks get a file each (0: all do)
  uint64_t pack_bytes = 16ull << 20;  // a pack is sealed once it holds about this much
};

class chunk_store {
public:
  chunk_store(disk& fs, std::string dir, chunk_store_options opts = {});

  // Creates the directories, removes temp files of interrupted writes and
  // indexes the chunks already on disk.
  disk_status open();

  // Stores a chunk durably after checking `data` against `checksum`.
  // Storing an id again with the same content writes it again and
  // succeeds (retries are safe, also concurrent ones: a second store of an
  // id waits for the first); the copy then counts as created later than
  // the one before. With other content it is errc::already_exists.
  disk_status put(const chunk_id& id, const byte_buffer& data, uint64_t checksum,
                  int64_t created_ms);

  // Stores each chunk of `batch` as put() does, the packed ones appended
  // first and then each pack they went to synced once: a batch of small
  // chunks costs one fdatasync. Returns the first error; the chunks
  // stored before it stay stored, the others are not (storing the batch
  // again is safe). An id twice in one batch is errc::invalid_argument.
  disk_status put_many(const chunk_batch& batch, int64_t created_ms);

  // Reads and verifies a chunk. A copy that fails verification (bad
  // header, length or checksum) is deleted, so that the node no longer
  // offers it and repair stores a good one; so is the index entry of a
  // chunk whose file vanished. Both are remembered as bad (see bad()).
  disk_status get(const chunk_id& id, byte_buffer& out);

  // Deletes a copy; with `created_ms` not negative, only the copy stored
  // then (not one stored again since: errc::already_exists).
  disk_status remove(const chunk_id& id, int64_t created_ms = -1);

  replica_stats stats();

  // Every chunk stored here, with when it was written.
  struct listed {
    chunk_id id;
    uint64_t length = 0;
    int64_t created_ms = 0;
  };
  std::vector<listed> list();

  // Chunks found corrupt or missing here and not stored again since.
  std::vector<chunk_id> bad();

  // Scrubbing: verifies stored chunks in id order, starting after
  // `cursor`, until about `max_bytes` were spent. Returns the cursor to
  // continue from (empty: the pass is complete) and adds what it found.
  // A chunk costs its length, but at least scrub_chunk_cost: opening,
  // reading and verifying a small file takes about as long as reading
  // that many bytes in sequence, so a store of 4 KiB chunks is not
  // re-read sixteen times as often (as many files per second) as one of
  // 64 KiB chunks.
  static constexpr uint64_t scrub_chunk_cost = 64 * 1024;
  struct scrub_result {
    std::string cursor;
    uint64_t chunks = 0;  // verified
    uint64_t bytes = 0;   // read
    uint64_t cost = 0;    // spent of the budget
    uint64_t corrupt = 0;
    uint64_t missing = 0;
  };
  scrub_result scrub(const std::string& cursor, uint64_t max_bytes);

  // Compacts the sealed pack with the least live data, if at most half of
  // it is live: copies its live records (and the tombstones still
  // needed) to the open pack, syncs, then deletes it. Returns the bytes
  // freed (0: nothing to do). A record it cannot read is dropped as
  // corrupt; a pack of tombstones still needed is left alone.
  uint64_t compact();

  // Where a chunk's record is: its file, or its pack and offset (tests
  // use it to damage copies).
  struct location {
    std::string path;
    uint64_t offset = 0;
    uint64_t bytes = 0;  // of the record in a pack (0: the whole file)
  };
  std::optional<location> locate(const chunk_id& id);

  // Bytes of the pack files, live and garbage.
  uint64_t pack_bytes();

private:
  struct segment;
  struct stored_chunk {
    uint64_t checksum;
    uint64_t length;  // bytes of data
    int64_t created_ms;
    uint64_t pack = 0;    // 0: a file of its own
    uint64_t offset = 0;  // of the record in the pack
    uint64_t record = 0;  // bytes of the record in the pack
  };
  std::string file_of(const std::string& id) const;
  std::string pack_path(uint64_t number) const;
  disk_status write_chunk_file(const chunk_id& id, const byte_buffer& data, uint64_t checksum,
                               int64_t created_ms);
  // One chunk of a store: put() stores one, put_many() several.
  struct put_ref {
    const chunk_id* id;
    const byte_buffer* data;
    uint64_t checksum;
  };
  disk_status store(const std::vector<put_ref>& items, int64_t created_ms);
  bool packed(uint64_t length) const { return opts_.pack_limit > 0 && length <= opts_.pack_limit; }
  // Appends a record (not synced) to the open pack; the pack's `writing`
  // count stays raised until the caller lowers it.
  disk_status append(const std::string& head, const char* data, size_t size,
                     std::shared_ptr<segment>& seg, uint64_t& offset);
  void append_tombstone(const std::string& id, uint64_t pack, uint64_t offset);
  disk_status get_packed(const chunk_id& id, const stored_chunk& seen, byte_buffer& out,
                         bool& moved);
  disk_status sync(segment& seg);  // a group sync, see chunk_store.cpp
  void index_record(const std::string& id, const stored_chunk& c);  // under mtx_
  disk_status open_packs();
  // Ends an append to `pack` (under mtx_): lowers its count of writes in
  // flight, moves appends to a new pack after a failure, and lets go of
  // the file of a sealed pack no longer written.
  void end_append(uint64_t pack, bool ok);

  disk& fs_;
  std::string dir_;
  std::mutex mtx_;
  std::condition_variable written_;            // signalled when a write ends
  std::unordered_set<std::string> writing_;    // ids being written now
  std::map<std::string, stored_chunk> index_;  // the chunks on disk, by id
  chunk_store_options opts_;
  std::map<uint64_t, std::shared_ptr<segment>> packs_;  // by number
  uint64_t open_pack_ = 0;                              // taking appends (0: none yet)
  uint64_t next_pack_ = 1;                              // numbers are never reused
  std::condition_variable synced_;                      // signalled when a pack sync ends
  std::set<std::string> bad_;  // found corrupt or missing, not stored again
  uint64_t corrupt_found_ = 0;
  uint64_t missing_found_ = 0;
  enum class why { removed, corrupt, missing };
  void forget(const std::string& id, why reason);  // drops an index entry (under mtx_)
  uint64_t bytes_used_ = 0;                        // data bytes of indexed chunks
};

}  // namespace dfs
