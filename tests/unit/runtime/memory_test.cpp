#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "runtime/memory.hpp"

namespace dfs {
namespace {

#if defined(__SANITIZE_ADDRESS__)
#define DFS_OWN_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DFS_OWN_MALLOC 0
#endif
#endif
#ifndef DFS_OWN_MALLOC
#define DFS_OWN_MALLOC 1
#endif

long minor_faults() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_minflt;
}

// The kernel backs the heap with 2 MiB pages on its own: a fresh buffer
// then takes few faults either way, and the test cannot tell.
bool huge_pages_always() {
  std::ifstream in{"/sys/kernel/mm/transparent_hugepage/enabled"};
  std::string line;
  std::getline(in, line);
  return line.find("[always]") != std::string::npos;
}

// Page faults taken while a new 16 MiB buffer is written once, in a
// process that set up malloc as dfsd does and reserved `reserved` bytes of
// heap on another thread (dfsd reserves in the background). Runs in a
// child process (the settings are global): the exit code is the faults
// per hundred pages.
[[noreturn]] void faults_of_a_fresh_buffer(uint64_t reserved) {
  keep_chunk_buffers();
  std::thread{[reserved] { reserve_heap(reserved); }}.join();
  constexpr size_t size = 16u << 20;
  long page = sysconf(_SC_PAGESIZE);
  auto before = minor_faults();
  auto* p = static_cast<volatile char*>(std::malloc(size));
  for (size_t at = 0; at < size; at += static_cast<size_t>(page))
    p[at] = 1;
  auto faults = minor_faults() - before;
  std::free(const_cast<char*>(p));
  std::exit(static_cast<int>(std::min<long>(100, faults * 100 / (size / page))));
}

TEST(reserve_heap, later_buffers_find_their_pages_faulted_in) {
  if (!DFS_OWN_MALLOC)
    GTEST_SKIP() << "AddressSanitizer replaces malloc";
  if (huge_pages_always())
    GTEST_SKIP() << "transparent huge pages are always on";
  // Each child runs this test alone in a fresh process, as dfsd starts:
  // a child forked from this process would inherit the malloc arenas of
  // the tests run before, and a thread may allocate from one of those.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // Without a reservation nearly every page of the buffer is a fault (the
  // test can tell the two apart), with one almost none.
  auto most = [](int status) { return WIFEXITED(status) && WEXITSTATUS(status) >= 90; };
  auto few = [](int status) { return WIFEXITED(status) && WEXITSTATUS(status) <= 10; };
  EXPECT_EXIT(faults_of_a_fresh_buffer(0), most, "");
  EXPECT_EXIT(faults_of_a_fresh_buffer(64ull << 20), few, "");
}

TEST(reserve_heap, a_reservation_is_cut_to_the_limit) {
  EXPECT_EQ(heap_reservation(0), 0u);
  EXPECT_EQ(heap_reservation(256ull << 20), 256ull << 20);
  EXPECT_EQ(heap_reservation(max_reserved_heap), max_reserved_heap);
  EXPECT_EQ(heap_reservation(max_reserved_heap * 4), max_reserved_heap);
}

}  // namespace
}  // namespace dfs
