// How a dfs process's malloc treats chunk buffers (megabytes each, passed
// between threads, allocated and freed all the time).
#pragma once

namespace dfs {

// One malloc arena, buffers up to 32 MiB from the heap, and up to 64 MiB
// of freed heap kept instead of given back to the kernel. With glibc's
// defaults each freed chunk buffer went back to the kernel (unmapped, or
// trimmed off the heap top), and the next one faulted in every page anew.
// dfsd calls it first thing in main(); it changes the whole process.
void keep_chunk_buffers();

}  // namespace dfs
