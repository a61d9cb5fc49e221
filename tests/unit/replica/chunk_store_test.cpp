#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <thread>

#include "actors/replica/chunk_store.hpp"
#include "messages/chunk.pb.h"
#include "runtime/checksum.hpp"
#include "tests/support.hpp"

namespace dfs {
namespace {

chunk_id id_of(char c) {
  return chunk_id{std::string(32, c)};
}

// The same tests run on the in-memory disk and on the real file system,
// with small chunks in packs and with every chunk a file of its own.
struct backend {
  std::string name;
  std::function<std::shared_ptr<disk>()> make;
  uint64_t pack_limit;
};

void PrintTo(const backend& b, std::ostream* os) {
  *os << b.name;
}

class chunk_store_test : public ::testing::TestWithParam<backend> {
protected:
  void SetUp() override {
    fs = GetParam().make();
    store = std::make_unique<chunk_store>(*fs, dir.path() + "/chunks", options());
    ASSERT_TRUE(store->open().ok());
  }

  chunk_store_options options() const {
    chunk_store_options opts;
    opts.pack_limit = GetParam().pack_limit;
    return opts;
  }

  disk_status put(const chunk_id& id, const byte_buffer& data) {
    return store->put(id, data, chunk_checksum(data.data(), data.size()), 1);
  }

  testing::temp_dir dir;
  std::shared_ptr<disk> fs;
  std::unique_ptr<chunk_store> store;
};

TEST_P(chunk_store_test, stored_chunks_read_back_identical) {
  char name = 'a';
  for (size_t n : {size_t{1}, size_t{4096}, size_t{1} << 20}) {
    auto data = testing::pattern(n, n);
    auto id = id_of(name++);
    auto st = put(id, data);
    ASSERT_TRUE(st.ok()) << st.message;
    byte_buffer back;
    ASSERT_TRUE(store->get(id, back).ok());
    EXPECT_EQ(back, data);
  }
}

TEST_P(chunk_store_test, data_that_does_not_match_its_checksum_is_refused) {
  auto data = testing::pattern(100, 1);
  auto st = store->put(id_of('a'), data, chunk_checksum(data.data(), data.size()) ^ 1, 1);
  EXPECT_EQ(st.code, errc::corrupt);
  byte_buffer back;
  EXPECT_EQ(store->get(id_of('a'), back).code, errc::not_found);
}

TEST_P(chunk_store_test, ids_that_are_not_32_hex_digits_are_refused) {
  auto data = testing::pattern(10, 1);
  for (auto bad : {"../../../../etc/passwd", "", "ABCDEF0123456789ABCDEF0123456789",
                   "0123456789abcdef0123456789abcdeg", "0123456789abcdef0123456789abcde"}) {
    EXPECT_EQ(put(chunk_id{bad}, data).code, errc::invalid_argument) << bad;
    byte_buffer back;
    EXPECT_EQ(store->get(chunk_id{bad}, back).code, errc::invalid_argument) << bad;
  }
}

TEST_P(chunk_store_test, storing_the_same_chunk_again_is_safe_and_other_content_conflicts) {
  auto data = testing::pattern(100, 1);
  ASSERT_TRUE(put(id_of('b'), data).ok());
  EXPECT_TRUE(put(id_of('b'), data).ok());
  EXPECT_EQ(put(id_of('b'), testing::pattern(100, 2)).code, errc::already_exists);
  EXPECT_EQ(store->stats().chunks, 1u);
  EXPECT_EQ(store->stats().bytes_used, 100u);
}

TEST_P(chunk_store_test, a_removal_names_the_copy_it_saw_and_spares_one_stored_again) {
  auto data = testing::pattern(100, 4);
  auto sum = chunk_checksum(data.data(), data.size());
  ASSERT_TRUE(store->put(id_of('9'), data, sum, 50).ok());
  ASSERT_EQ(store->list().at(0).created_ms, 50);
  // Stored again (a repair) with an older clock: still counts as newer.
  ASSERT_TRUE(store->put(id_of('9'), data, sum, 10).ok());
  ASSERT_EQ(store->list().at(0).created_ms, 51);
  EXPECT_EQ(store->remove(id_of('9'), 50).code, errc::already_exists)
    << "a garbage collection decided on the old copy";
  byte_buffer back;
  ASSERT_TRUE(store->get(id_of('9'), back).ok());
  EXPECT_TRUE(store->remove(id_of('9'), 51).ok());
  EXPECT_EQ(store->get(id_of('9'), back).code, errc::not_found);
  EXPECT_TRUE(store->bad().empty()) << "a removed copy is not a bad one";
}

TEST_P(chunk_store_test, reopening_indexes_what_is_on_disk) {
  ASSERT_TRUE(put(id_of('c'), testing::pattern(300, 1)).ok());
  ASSERT_TRUE(put(id_of('d'), testing::pattern(200, 2)).ok());
  ASSERT_TRUE(store->remove(id_of('c')).ok());
  chunk_store again{*fs, dir.path() + "/chunks", options()};
  ASSERT_TRUE(again.open().ok());
  EXPECT_EQ(again.stats().chunks, 1u);
  EXPECT_EQ(again.stats().bytes_used, 200u);
}

// A batch of the given sizes, ids numbered from `first` on; the data of
// chunk i is pattern(size, i).
chunk_batch batch_of(const std::vector<size_t>& sizes, uint32_t first) {
  chunk_batch b;
  for (size_t i = 0; i < sizes.size(); ++i) {
    char id[33];
    std::snprintf(id, sizeof id, "%032x", static_cast<unsigned>(first + i));
    b.ids.push_back(chunk_id{id});
    b.data.push_back(testing::pattern(sizes[i], static_cast<uint32_t>(i)));
    b.checksums.push_back(chunk_checksum(b.data.back().data(), b.data.back().size()));
  }
  return b;
}

TEST_P(chunk_store_test, a_batch_stores_every_chunk_as_single_stores_would) {
  auto b = batch_of({100, 4096, 1, 70000, 64 * 1024}, 1);
  auto st = store->put_many(b, 7);
  ASSERT_TRUE(st.ok()) << st.message;
  ASSERT_TRUE(store->put_many(b, 8).ok()) << "a batch stored again";
  ASSERT_TRUE(store->put_many(chunk_batch{}, 9).ok()) << "an empty batch";
  chunk_store again{*fs, dir.path() + "/chunks", options()};
  ASSERT_TRUE(again.open().ok());
  for (auto* s : {store.get(), &again}) {
    EXPECT_EQ(s->stats().chunks, b.ids.size());
    for (size_t i = 0; i < b.ids.size(); ++i) {
      byte_buffer back;
      ASSERT_TRUE(s->get(b.ids[i], back).ok()) << i;
      EXPECT_EQ(back, b.data[i]) << i;
    }
    EXPECT_EQ(s->list().at(0).created_ms, 8) << "the second store is the newer copy";
  }
}

TEST_P(chunk_store_test, a_batch_with_a_bad_chunk_is_refused_whole) {
  auto b = batch_of({100, 200, 300}, 1);
  auto twice = b;
  twice.ids[2] = twice.ids[0];
  twice.data[2] = twice.data[0];
  twice.checksums[2] = twice.checksums[0];
  EXPECT_EQ(store->put_many(twice, 1).code, errc::invalid_argument);
  auto bad_sum = b;
  bad_sum.checksums[1] ^= 1;
  EXPECT_EQ(store->put_many(bad_sum, 1).code, errc::corrupt);
  auto bad_id = b;
  bad_id.ids[1].value = "../x";
  EXPECT_EQ(store->put_many(bad_id, 1).code, errc::invalid_argument);
  auto short_lists = b;
  short_lists.checksums.pop_back();
  EXPECT_EQ(store->put_many(short_lists, 1).code, errc::invalid_argument);
  EXPECT_EQ(store->stats().chunks, 0u) << "nothing of a refused batch is stored";
  // A chunk that exists with other bytes: the batch fails, nothing of it
  // is written, and the chunk keeps its bytes.
  auto other = testing::pattern(200, 9);
  ASSERT_TRUE(put(b.ids[1], other).ok());
  EXPECT_EQ(store->put_many(b, 1).code, errc::already_exists);
  EXPECT_EQ(store->stats().chunks, 1u);
  byte_buffer back;
  ASSERT_TRUE(store->get(b.ids[1], back).ok());
  EXPECT_EQ(back, other);
}

TEST_P(chunk_store_test, concurrent_stores_of_one_chunk_all_succeed_and_leave_one_copy) {
  auto data = testing::pattern(256 * 1024, 9);
  auto checksum = chunk_checksum(data.data(), data.size());
  std::vector<std::thread> writers;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i)
    writers.emplace_back([&] { ok += store->put(id_of('7'), data, checksum, 1).ok() ? 1 : 0; });
  for (auto& w : writers)
    w.join();
  EXPECT_EQ(ok.load(), 4);
  EXPECT_EQ(store->stats().chunks, 1u);
  byte_buffer back;
  ASSERT_TRUE(store->get(id_of('7'), back).ok());
  EXPECT_EQ(back, data);
  EXPECT_EQ(fs->list_files(dir.path() + "/chunks/77").size(), 1u) << "no temp file left behind";
}

TEST_P(chunk_store_test, concurrent_stores_of_one_small_chunk_leave_one_copy_after_reopening) {
  auto data = testing::pattern(4096, 3);
  auto checksum = chunk_checksum(data.data(), data.size());
  std::vector<std::thread> writers;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i)
    writers.emplace_back([&] { ok += store->put(id_of('6'), data, checksum, 1).ok() ? 1 : 0; });
  for (auto& w : writers)
    w.join();
  EXPECT_EQ(ok.load(), 4);
  ASSERT_TRUE(store->remove(id_of('6')).ok());
  chunk_store again{*fs, dir.path() + "/chunks", options()};
  ASSERT_TRUE(again.open().ok());
  EXPECT_EQ(again.stats().chunks, 0u) << "no earlier copy comes back after the removal";
}

TEST_P(chunk_store_test, temp_files_of_interrupted_writes_are_removed_at_open) {
  auto stale = dir.path() + "/chunks/ab/" + std::string(32, 'a') + ".chunk.tmp.Xy12Zq";
  ASSERT_TRUE(fs->write_file(stale, {'x'}).ok());
  chunk_store again{*fs, dir.path() + "/chunks", options()};
  ASSERT_TRUE(again.open().ok());
  EXPECT_TRUE(fs->list_files(dir.path() + "/chunks/ab").empty());
  EXPECT_EQ(again.stats().chunks, 0u);
}

TEST_P(chunk_store_test, oversize_chunks_are_refused) {
  byte_buffer huge(max_chunk_bytes + 1);
  EXPECT_EQ(store->put(id_of('8'), huge, chunk_checksum(huge.data(), huge.size()), 1).code,
            errc::too_large);
}

INSTANTIATE_TEST_SUITE_P(
  backends, chunk_store_test,
  ::testing::Values(
    backend{"memory_packs", [] { return std::make_shared<memory_disk>(); }, 64 * 1024},
    backend{"memory_files", [] { return std::make_shared<memory_disk>(); }, 0},
    backend{"posix_packs", [] { return std::make_shared<posix_disk>(); }, 64 * 1024},
    backend{"posix_files", [] { return std::make_shared<posix_disk>(); }, 0}),
  [](const ::testing::TestParamInfo<backend>& info) { return info.param.name; });

// Faults only the memory disk can inject.

chunk_store_options with_packs(bool packs) {
  chunk_store_options opts;
  opts.pack_limit = packs ? 64 * 1024 : 0;
  return opts;
}

class chunk_store_faults : public ::testing::TestWithParam<bool> {};  // packs or not

TEST_P(chunk_store_faults, a_flipped_bit_is_reported_as_corrupt_never_returned) {
  memory_disk fs;
  chunk_store store{fs, "/c", with_packs(GetParam())};
  ASSERT_TRUE(store.open().ok());
  auto data = testing::pattern(1000, 3);
  auto id = id_of('e');
  ASSERT_TRUE(store.put(id, data, chunk_checksum(data.data(), data.size()), 1).ok());
  auto where = store.locate(id);
  ASSERT_TRUE(where);
  byte_buffer raw;
  ASSERT_TRUE(fs.read_file(where->path, raw).ok());
  // Flip a bit in the data, then one in the header of a fresh copy.
  ASSERT_TRUE(fs.flip_bit(where->path, raw.size() - 10));
  byte_buffer back;
  EXPECT_EQ(store.get(id, back).code, errc::corrupt);
  EXPECT_TRUE(back.empty());
  EXPECT_EQ(store.get(id, back).code, errc::not_found) << "the bad copy is no longer offered";
  EXPECT_EQ(store.stats().chunks, 0u);
  ASSERT_EQ(store.bad().size(), 1u);
  EXPECT_EQ(store.bad()[0], id);
  ASSERT_TRUE(store.put(id, data, chunk_checksum(data.data(), data.size()), 2).ok()) << "repaired";
  EXPECT_TRUE(store.bad().empty());
  ASSERT_TRUE(store.get(id, back).ok());
  EXPECT_EQ(back, data);
  where = store.locate(id);
  ASSERT_TRUE(fs.flip_bit(where->path, where->offset + 2));  // magic number
  EXPECT_EQ(store.get(id, back).code, errc::corrupt);
  chunk_store again{fs, "/c", with_packs(GetParam())};
  ASSERT_TRUE(again.open().ok());
  EXPECT_EQ(again.get(id, back).code, errc::not_found) << "a dropped copy stays dropped";
}

TEST(chunk_store_files, a_scrub_pass_finds_corrupt_and_vanished_copies) {
  memory_disk fs;
  chunk_store store{fs, "/c", with_packs(false)};
  ASSERT_TRUE(store.open().ok());
  std::vector<byte_buffer> data;
  for (char c : std::string{"0123456789"}) {
    data.push_back(testing::pattern(1000, c));
    ASSERT_TRUE(
      store.put(id_of(c), data.back(), chunk_checksum(data.back().data(), 1000), 100 + c).ok());
  }
  auto listed = store.list();
  ASSERT_EQ(listed.size(), 10u);
  EXPECT_EQ(listed[3].id, id_of('3'));
  EXPECT_EQ(listed[3].length, 1000u);
  EXPECT_EQ(listed[3].created_ms, 100 + '3');
  ASSERT_TRUE(fs.flip_bit("/c/33/" + id_of('3').value + ".chunk", 500));
  ASSERT_TRUE(fs.remove_file("/c/77/" + id_of('7').value + ".chunk").ok());
  // Steps with a budget a little over two small chunks' cost: three
  // chunks each (the last may be short), until the cursor is empty.
  std::string cursor;
  uint64_t chunks = 0, corrupt = 0, missing = 0, bytes = 0;
  int steps = 0;
  do {
    auto r = store.scrub(cursor, 2 * chunk_store::scrub_chunk_cost + 1);
    cursor = r.cursor;
    chunks += r.chunks;
    corrupt += r.corrupt;
    missing += r.missing;
    bytes += r.bytes;
    ASSERT_LE(r.chunks, 3u);
    EXPECT_EQ(r.cost, r.chunks * chunk_store::scrub_chunk_cost)
      << "1000-byte chunks cost the minimum";
    ASSERT_LT(++steps, 5);
  } while (!cursor.empty());
  EXPECT_EQ(steps, 4);
  EXPECT_EQ(bytes, 8000u) << "what was read: eight intact chunks";
  EXPECT_EQ(chunks, 10u);
  EXPECT_EQ(corrupt, 1u);
  EXPECT_EQ(missing, 1u);
  EXPECT_EQ(store.bad(), (std::vector<chunk_id>{id_of('3'), id_of('7')}));
  EXPECT_EQ(store.list().size(), 8u);
  EXPECT_EQ(store.stats().bytes_used, 8000u);
  EXPECT_EQ(store.stats().corrupt_found, 1u);
  EXPECT_EQ(store.stats().missing_found, 1u);
}

TEST_P(chunk_store_faults, a_full_disk_is_a_clear_error_and_loses_nothing) {
  memory_disk fs{5000};
  chunk_store store{fs, "/c", with_packs(GetParam())};
  ASSERT_TRUE(store.open().ok());
  auto first = testing::pattern(3000, 1);
  ASSERT_TRUE(store.put(id_of('1'), first, chunk_checksum(first.data(), first.size()), 1).ok());
  auto second = testing::pattern(3000, 2);
  auto st = store.put(id_of('2'), second, chunk_checksum(second.data(), second.size()), 1);
  EXPECT_EQ(st.code, errc::no_space);
  byte_buffer back;
  ASSERT_TRUE(store.get(id_of('1'), back).ok());
  EXPECT_EQ(back, first);
  EXPECT_EQ(store.stats().chunks, 1u);
}

TEST_P(chunk_store_faults, a_batch_on_a_full_or_failing_disk_stores_nothing_it_acknowledges) {
  memory_disk fs{5000};
  chunk_store store{fs, "/c", with_packs(GetParam())};
  ASSERT_TRUE(store.open().ok());
  EXPECT_EQ(store.put_many(batch_of({2000, 2000, 2000}, 1), 1).code, errc::no_space);
  // Whatever was written before the failure may stay, readable; nothing
  // after it is indexed.
  for (auto& c : store.list()) {
    byte_buffer back;
    EXPECT_TRUE(store.get(c.id, back).ok());
  }
  EXPECT_LT(store.stats().chunks, 3u);
  memory_disk failing;
  chunk_store other{failing, "/c", with_packs(GetParam())};
  ASSERT_TRUE(other.open().ok());
  failing.fail_writes(errc::io_error);
  EXPECT_EQ(other.put_many(batch_of({10, 20}, 1), 1).code, errc::io_error);
  EXPECT_EQ(other.stats().chunks, 0u);
  failing.fail_writes(errc::ok);
  EXPECT_TRUE(other.put_many(batch_of({10, 20}, 1), 1).ok()) << "and the batch again, later";
  EXPECT_EQ(other.stats().chunks, 2u);
}

TEST_P(chunk_store_faults, a_failing_disk_is_an_io_error) {
  memory_disk fs;
  chunk_store store{fs, "/c", with_packs(GetParam())};
  ASSERT_TRUE(store.open().ok());
  fs.fail_writes(errc::io_error);
  auto data = testing::pattern(10, 1);
  EXPECT_EQ(store.put(id_of('3'), data, chunk_checksum(data.data(), data.size()), 1).code,
            errc::io_error);
  EXPECT_EQ(store.stats().chunks, 0u);
}

INSTANTIATE_TEST_SUITE_P(layouts, chunk_store_faults, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "packs" : "files";
                         });

// Packs: records appended to pack files, tombstones, compaction, replay.

chunk_store_options small_packs() {
  chunk_store_options opts;
  opts.pack_limit = 64 * 1024;
  opts.pack_bytes = 8 * 1024;  // a few records each, so that there are many packs
  return opts;
}

// Stores a chunk of `size` bytes for each id character; their data.
std::vector<byte_buffer> put_each(chunk_store& store, const std::string& ids, size_t size) {
  std::vector<byte_buffer> data;
  for (char c : ids) {
    data.push_back(testing::pattern(size, c));
    auto st = store.put(id_of(c), data.back(), chunk_checksum(data.back().data(), size), 1);
    EXPECT_TRUE(st.ok()) << st.message;
  }
  return data;
}

std::vector<std::string> pack_files(memory_disk& fs) {
  return fs.list_files("/c/packs");
}

// A memory disk that counts syncs.
class counting_disk final : public testing::delegating_disk {
public:
  disk_status sync(const std::string& path) override {
    ++syncs;
    return inner.sync(path);
  }
  int syncs = 0;
};

TEST(chunk_store_packs, a_batch_of_small_chunks_costs_one_sync) {
  counting_disk fs;
  chunk_store store{fs, "/c", chunk_store_options{}};
  ASSERT_TRUE(store.open().ok());
  ASSERT_TRUE(store.put_many(batch_of(std::vector<size_t>(20, 4096), 100), 1).ok());
  EXPECT_EQ(fs.syncs, 1);
  put_each(store, "0123456789", 4096);
  EXPECT_EQ(fs.syncs, 11) << "one each, stored one by one from one thread";
  // Across a pack's end: each pack synced once.
  chunk_store sealed{fs, "/d", small_packs()};
  ASSERT_TRUE(sealed.open().ok());
  fs.syncs = 0;
  ASSERT_TRUE(sealed.put_many(batch_of(std::vector<size_t>(6, 3000), 1), 1).ok());
  EXPECT_EQ(fs.syncs, int(fs.inner.list_files("/d/packs").size()));
  EXPECT_GT(fs.syncs, 1);
}

TEST(chunk_store_packs, small_chunks_share_packs_and_large_ones_get_files) {
  memory_disk fs;
  chunk_store store{fs, "/c", small_packs()};
  ASSERT_TRUE(store.open().ok());
  auto small = testing::pattern(1000, 1);
  auto large = testing::pattern(64 * 1024 + 1, 2);
  for (char c : std::string{"0123"})
    ASSERT_TRUE(store.put(id_of(c), small, chunk_checksum(small.data(), small.size()), 1).ok());
  ASSERT_TRUE(store.put(id_of('f'), large, chunk_checksum(large.data(), large.size()), 1).ok());
  EXPECT_EQ(pack_files(fs).size(), 1u);
  EXPECT_EQ(store.locate(id_of('f'))->path, "/c/ff/" + id_of('f').value + ".chunk");
  EXPECT_EQ(store.locate(id_of('0'))->path, store.locate(id_of('3'))->path);
  EXPECT_LT(store.locate(id_of('0'))->offset, store.locate(id_of('3'))->offset);
  EXPECT_EQ(store.stats().bytes_used, 4000u + large.size());
}

// A random sequence of stores, removals, compactions and reopenings
// against a model of what the store holds; seeded and printed.
TEST(chunk_store_packs, random_operations_match_a_model_across_compaction_and_reopening) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng{seed};
    memory_disk fs;
    auto store = std::make_unique<chunk_store>(fs, "/c", small_packs());
    ASSERT_TRUE(store->open().ok());
    std::map<std::string, byte_buffer> model;
    auto reopen = [&] {
      store = std::make_unique<chunk_store>(fs, "/c", small_packs());
      ASSERT_TRUE(store->open().ok());
    };
    for (int step = 0; step < 400; ++step) {
      auto id = id_of("0123456789abcdef"[rng() % 16]);
      auto op = rng() % 20;
      if (op < 9) {
        // The same id keeps the same content (as chunk ids do).
        auto data = testing::pattern(1 + (id.value[0] * 131) % 3000, id.value[0]);
        ASSERT_TRUE(store->put(id, data, chunk_checksum(data.data(), data.size()), step).ok());
        model[id.value] = data;
      } else if (op < 15) {
        ASSERT_TRUE(store->remove(id).ok() || !model.count(id.value));
        model.erase(id.value);
      } else if (op < 18) {
        while (store->compact() > 0) {
        }
      } else {
        reopen();
      }
      if (step % 50 == 49 || op >= 15) {
        ASSERT_EQ(store->list().size(), model.size()) << "step " << step << " op " << op;
        for (auto& [key, data] : model) {
          byte_buffer back;
          auto st = store->get(chunk_id{key}, back);
          ASSERT_TRUE(st.ok()) << key << ": " << st.message;
          ASSERT_EQ(back, data);
        }
      }
    }
    // Everything removed and compacted leaves at most the open pack.
    for (auto& [key, data] : model)
      ASSERT_TRUE(store->remove(chunk_id{key}).ok());
    reopen();
    while (store->compact() > 0) {
    }
    EXPECT_TRUE(store->list().empty());
    EXPECT_LE(pack_files(fs).size(), 1u);
    EXPECT_LE(store->pack_bytes(), 8u * 1024);
  }
}

TEST(chunk_store_packs, a_torn_write_and_a_damaged_record_cost_only_themselves_at_open) {
  memory_disk fs;
  chunk_store store{fs, "/c", small_packs()};
  ASSERT_TRUE(store.open().ok());
  auto data = put_each(store, "0123", 1500);
  ASSERT_FALSE(HasFailure()) << "every chunk stored";
  auto second = *store.locate(id_of('1'));
  auto last = *store.locate(id_of('3'));
  ASSERT_EQ(second.path, last.path);
  // The second record's magic number is damaged; half a record follows
  // the last one, as a crash mid-write leaves it.
  ASSERT_TRUE(fs.flip_bit(second.path, second.offset + 1));
  byte_buffer raw;
  ASSERT_TRUE(fs.read_file(last.path, raw).ok());
  byte_buffer torn(raw.begin() + static_cast<std::ptrdiff_t>(last.offset),
                         raw.begin() + static_cast<std::ptrdiff_t>(last.offset + last.bytes / 2));
  ASSERT_TRUE(fs.write_at(last.path, raw.size(), {const_slice{torn.data(), torn.size()}}).ok());
  chunk_store again{fs, "/c", small_packs()};
  ASSERT_TRUE(again.open().ok());
  EXPECT_EQ(again.list().size(), 3u);
  byte_buffer back;
  EXPECT_EQ(again.get(id_of('1'), back).code, errc::not_found);
  for (int i : {0, 2, 3}) {
    ASSERT_TRUE(again.get(id_of(static_cast<char>('0' + i)), back).ok()) << i;
    EXPECT_EQ(back, data[i]);
  }
  // New records go to a new pack, not after the torn one.
  ASSERT_TRUE(again.put(id_of('1'), data[1], chunk_checksum(data[1].data(), 1500), 2).ok());
  EXPECT_NE(again.locate(id_of('1'))->path, last.path);
}

// A damaged length would make the record look longer than it is, and hide
// the records after it: the checksum tells, and the scan goes on.
TEST(chunk_store_packs, a_damaged_length_costs_only_its_own_record) {
  memory_disk fs;
  chunk_store store{fs, "/c", small_packs()};
  ASSERT_TRUE(store.open().ok());
  auto data = put_each(store, "012", 1500);
  ASSERT_FALSE(HasFailure()) << "every chunk stored";
  auto first = *store.locate(id_of('0'));
  byte_buffer raw;
  ASSERT_TRUE(fs.read_file(first.path, raw).ok());
  uint32_t header_len = 0;
  std::memcpy(&header_len, raw.data() + first.offset + 8, 4);
  proto::ChunkHeader h;
  ASSERT_TRUE(h.ParseFromArray(raw.data() + first.offset + 12, static_cast<int>(header_len)));
  h.set_length(h.length() + 1000);  // over the next record
  auto encoded = h.SerializeAsString();
  ASSERT_EQ(encoded.size(), header_len);
  ASSERT_TRUE(
    fs.write_at(first.path, first.offset + 12, {const_slice{encoded.data(), encoded.size()}}).ok());
  chunk_store again{fs, "/c", small_packs()};
  ASSERT_TRUE(again.open().ok());
  byte_buffer back;
  EXPECT_EQ(again.get(id_of('0'), back).code, errc::not_found);
  for (int i : {1, 2}) {
    ASSERT_TRUE(again.get(id_of(static_cast<char>('0' + i)), back).ok()) << i;
    EXPECT_EQ(back, data[i]);
  }
}

// Compaction that cannot read a live record drops it as corrupt (repair
// restores it) instead of leaving the index pointing at a deleted pack.
TEST(chunk_store_packs, compaction_reports_a_damaged_live_record_as_corrupt) {
  memory_disk fs;
  chunk_store store{fs, "/c", small_packs()};
  ASSERT_TRUE(store.open().ok());
  auto data = testing::pattern(2000, 1);
  auto sum = chunk_checksum(data.data(), data.size());
  for (char c : std::string{"0123"})
    ASSERT_TRUE(store.put(id_of(c), data, sum, 1).ok());
  auto where = *store.locate(id_of('0'));
  ASSERT_EQ(where.path, store.locate(id_of('2'))->path);
  ASSERT_NE(where.path, store.locate(id_of('3'))->path) << "the first pack is sealed";
  ASSERT_TRUE(store.remove(id_of('1')).ok());
  ASSERT_TRUE(store.remove(id_of('2')).ok());
  ASSERT_TRUE(fs.flip_bit(where.path, where.offset + where.bytes - 5));  // 0's data
  EXPECT_GT(store.compact(), 0u);
  EXPECT_EQ(store.bad(), std::vector<chunk_id>{id_of('0')});
  byte_buffer back;
  EXPECT_EQ(store.get(id_of('0'), back).code, errc::not_found);
  ASSERT_TRUE(store.get(id_of('3'), back).ok());
}

TEST(chunk_store_packs, a_vanished_pack_is_reported_missing_and_its_chunks_can_be_stored_again) {
  memory_disk fs;
  chunk_store store{fs, "/c", small_packs()};
  ASSERT_TRUE(store.open().ok());
  // Two chunks fill the first pack; the third opens another.
  auto data = testing::pattern(3000, 5);
  for (char c : std::string{"012"})
    ASSERT_TRUE(store.put(id_of(c), data, chunk_checksum(data.data(), data.size()), 1).ok());
  ASSERT_EQ(store.locate(id_of('0'))->path, store.locate(id_of('1'))->path);
  ASSERT_NE(store.locate(id_of('0'))->path, store.locate(id_of('2'))->path);
  ASSERT_TRUE(fs.remove_file(store.locate(id_of('0'))->path).ok());
  std::string cursor;
  uint64_t missing = 0;
  do {
    auto r = store.scrub(cursor, 1ull << 30);
    missing += r.missing;
    cursor = r.cursor;
  } while (!cursor.empty());
  EXPECT_EQ(missing, 2u);
  EXPECT_EQ(store.bad(), (std::vector<chunk_id>{id_of('0'), id_of('1')}));
  ASSERT_TRUE(store.put(id_of('0'), data, chunk_checksum(data.data(), data.size()), 2).ok());
  byte_buffer back;
  ASSERT_TRUE(store.get(id_of('0'), back).ok());
  EXPECT_EQ(back, data);
  ASSERT_TRUE(store.get(id_of('2'), back).ok());
  chunk_store again{fs, "/c", small_packs()};
  ASSERT_TRUE(again.open().ok());
  EXPECT_EQ(again.list().size(), 2u) << "chunk 1 stays dropped";
}

// Writers, readers, removers and a compactor at once, on the real file
// system: what each writer kept reads back, now and after reopening.
TEST(chunk_store_packs, concurrent_writers_and_compaction_lose_nothing) {
  testing::temp_dir dir;
  posix_disk fs;
  auto opts = small_packs();
  opts.pack_bytes = 64 * 1024;
  chunk_store store{fs, dir.path() + "/c", opts};
  ASSERT_TRUE(store.open().ok());
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::thread compactor([&] {
    while (!done)
      if (store.compact() == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds{1});
  });
  std::vector<std::thread> writers;
  std::vector<std::map<std::string, byte_buffer>> kept(4);
  for (int w = 0; w < 4; ++w)
    writers.emplace_back([&, w] {
      std::mt19937 rng{static_cast<uint32_t>(w + 1)};
      for (int i = 0; i < 150; ++i) {
        char name[40];
        std::snprintf(name, sizeof(name), "%02x%030x", w, i);
        chunk_id id{name};
        auto data = testing::pattern(100 + rng() % 4000, i);
        if (!store.put(id, data, chunk_checksum(data.data(), data.size()), i).ok())
          ++failures;
        kept[w][id.value] = data;
        if (rng() % 3 == 0 && kept[w].size() > 1) {  // remove an earlier one
          auto victim = std::next(kept[w].begin(), static_cast<long>(rng() % kept[w].size()));
          if (!store.remove(chunk_id{victim->first}).ok())
            ++failures;
          kept[w].erase(victim);
        }
        byte_buffer back;
        auto probe = std::next(kept[w].begin(), static_cast<long>(rng() % kept[w].size()));
        if (!store.get(chunk_id{probe->first}, back).ok() || back != probe->second)
          ++failures;
      }
    });
  for (auto& t : writers)
    t.join();
  done = true;
  compactor.join();
  EXPECT_EQ(failures.load(), 0);
  chunk_store again{fs, dir.path() + "/c", opts};
  ASSERT_TRUE(again.open().ok());
  size_t total = 0;
  for (auto& m : kept) {
    total += m.size();
    for (auto& [key, data] : m) {
      byte_buffer back;
      ASSERT_TRUE(again.get(chunk_id{key}, back).ok()) << key;
      ASSERT_EQ(back, data);
    }
  }
  EXPECT_EQ(again.list().size(), total);
}

}  // namespace
}  // namespace dfs
