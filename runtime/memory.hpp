// How a dfs process's malloc treats chunk buffers (megabytes each, passed
// between threads, allocated and freed all the time).
#pragma once

#include <cstdint>

namespace dfs {

// One malloc arena, buffers up to 32 MiB from the heap, and up to 64 MiB
// of freed heap kept instead of given back to the kernel. With glibc's
// defaults each freed chunk buffer went back to the kernel (unmapped, or
// trimmed off the heap top), and the next one faulted in every page anew.
// dfsd calls it first thing in main(); it changes the whole process.
void keep_chunk_buffers();

// Grows the heap by `bytes` now, every page faulted in, and keeps it (after
// keep_chunk_buffers). For the chunk cache: a cache that is not full yet
// takes new memory with every fill, and each 4 KiB page of it was a page
// fault and a page cleared by the kernel on the fill's path (a 1 MiB fill
// cost about two reads of the chunk from the page cache; see
// docs/measurements.md). Database buffer pools are set up the same way.
// At most max_reserved_heap (malloc's trim threshold is an int).
//
// Needs keep_chunk_buffers() first: its one arena is where every thread's
// allocations come from (so memory reserved on one thread serves all), and
// its mmap threshold is what makes the pieces heap rather than mappings
// given back to the kernel when freed.
constexpr uint64_t max_reserved_heap = 1ull << 30;
void reserve_heap(uint64_t bytes);
// How much reserve_heap(bytes) reserves.
uint64_t heap_reservation(uint64_t bytes);

// glibc keeps up to 7 freed blocks of each size (up to 1 KiB) in a
// thread's own cache; past that, malloc and free take the lock of the
// process's one arena (above). CAF messages are many small blocks, made on
// one thread and freed on another, so that limit is reached all the time.
// With 256, the 10,000-file mix took 12% less server CPU per request
// (docs/measurements.md) for 3% more memory. The count can only be set
// through GLIBC_TUNABLES, which glibc reads when a process starts: unless
// it is set already, this sets it and runs the program again in the same
// process (same pid, same arguments). Call it first thing in main().
void larger_thread_caches(char** argv);

}  // namespace dfs
