// Typed actor handles: the complete interface of every actor kind. A remote
// handle obtained through the middleman must match these exactly.
#pragma once

#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/atoms.hpp"
#include "messages/raft_messages.hpp"
#include "messages/repair_messages.hpp"
#include "messages/types.hpp"

namespace dfs {

// The outcomes of a batch of requests (proposals forwarded to the leader,
// stats a client coalesced): per request, its entry or the error it ended
// with (a default error: none).
struct batch_results {
  std::vector<file_info> results;
  std::vector<caf::error> errors;
  // Stats a leader served with no round of its own (stat with lead_atom):
  // the term it led in when it took its commit index, and its voters then.
  uint64_t term = 0;
  std::vector<std::string> voters;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, batch_results& x) {
  return f(caf::meta::type_name("batch_results"), x.results, x.errors, x.term, x.voters);
}

// Metadata service: applies MetaCommands (protobuf-encoded, see meta.proto)
// in order and answers namespace queries. Raft replicates exactly these
// commands once it lands.
using meta_actor = caf::typed_actor<
  // propose(ctx, encoded MetaCommand) -> the entry the command created or
  // changed (empty path for deletions)
  caf::replies_to<propose_atom, request_context, std::string>::with<file_info>,
  // stat(ctx, path) -> entry with its chunk list
  caf::replies_to<stat_atom, request_context, std::string>::with<file_info>,
  // list(ctx, path) -> children of a directory, or the file itself
  caf::replies_to<list_atom, request_context, std::string>::with<std::vector<file_info>>,
  // stat(ctxs, paths): several stats in one message (a client's concurrent
  // reads coalesced), each answered as stat(ctx, path) would answer it
  caf::replies_to<stat_atom, std::vector<request_context>,
                  std::vector<std::string>>::with<batch_results>,
  // stat(ctxs, paths, lead): served by the leader alone, at its commit
  // index, with its term and voters in the answer; the client confirms
  // them with the status of other members asked at the same time (see
  // confirms_leader_read). Refused (unavailable) by any other member.
  caf::replies_to<stat_atom, std::vector<request_context>, std::vector<std::string>,
                  lead_atom>::with<batch_results>,
  // status -> the member's Raft standing (role, term, leader, voters)
  caf::replies_to<status_atom>::with<raft_status>>;

// A Raft participant: replicates metadata commands to its peers and
// applies them, in log order, to its node's metadata state machine. Offers the meta
// interface on every member: the leader serves it (proposals; linearizable
// stat/list by ReadIndex), a follower forwards to the leader it knows.
using raft_actor =
  meta_actor::extend<caf::reacts_to<raft_atom, raft_msg>,
                     // peers: ids and handles of the other participants
                     caf::reacts_to<peers_atom, std::vector<std::string>, std::vector<caf::actor>>,
                     caf::reacts_to<tick_atom>,
                     // transfer(node): the leader hands leadership to a voter once it is up to date
                     caf::replies_to<transfer_atom, std::string>::with<ok_atom>,
                     // read_index(member, term): the leader's commit index once it
                     // is confirmed to still lead (the asking member, in the
                     // leader's term, counts towards that); the member serves its
                     // reads after applying up to there
                     caf::replies_to<read_index_atom, std::string, uint64_t>::with<uint64_t>,
                     // a piece of an install_snapshot message; answers the
                     // bytes received so far
                     caf::replies_to<snapshot_atom, raft_msg>::with<uint64_t>,
                     // proposals a follower forwards to the leader, in one batch
                     caf::replies_to<propose_atom, std::vector<request_context>,
                                     std::vector<std::string>>::with<batch_results>,
                     // members: the node table (id@host:port of every node not
                     // removed), for the peer connector
                     caf::replies_to<members_atom>::with<std::vector<std::string>>,
                     // members(op, id), on the leader: "add" makes the node a
                     // learner, then a voter once it caught up; "remove" takes
                     // it out. Answers once done (idempotent: may be retried)
                     caf::replies_to<members_atom, std::string, std::string>::with<ok_atom>,
                     // members("removed"): the ids the node table marks removed
                     caf::replies_to<members_atom, std::string>::with<std::vector<std::string>>,
                     // internal: do what the core asked, once the messages
                     // queued before this one have been taken in
                     caf::reacts_to<flush_atom>>;

// Replica manager: durable, checksummed, immutable chunks on local disk.
using replica_actor = caf::typed_actor<
  // store(ctx, id, bytes, checksum): durable on disk before the reply
  caf::replies_to<store_atom, request_context, chunk_id, byte_buffer, uint64_t>::with<ok_atom>,
  // store(ctx, id, bytes, checksum, next): a write chain. Stores here and
  // at once passes the chunk on to next[0] with next[1..] as its chain;
  // answers, once its own store and the rest of the chain are done, with
  // the outcome at this node and at every node after it
  caf::replies_to<store_atom, request_context, chunk_id, byte_buffer, uint64_t,
                  std::vector<caf::actor>>::with<chain_outcome>,
  // store(ctx, batch, next): a write chain of several small chunks, each
  // stored durably here (one sync per pack) before the answer; the
  // outcome per node is the whole batch's
  caf::replies_to<store_atom, request_context, chunk_batch,
                  std::vector<caf::actor>>::with<chain_outcome>,
  // fetch(ctx, id) -> bytes, verified against the stored checksum
  caf::replies_to<fetch_atom, request_context, chunk_id>::with<byte_buffer>,
  caf::replies_to<status_atom>::with<replica_stats>,
  // slow(ms): fault injection for tests and benchmarks; every store and
  // fetch takes `ms` longer from now on (0: back to normal)
  caf::replies_to<slow_atom, uint32_t>::with<ok_atom>,
  // replicate(ctx, id, target): reads the chunk here, verified, and stores
  // it at the target replica manager (a replica_actor, untyped here as a
  // type cannot name itself); answers once the target has it
  caf::replies_to<replicate_atom, request_context, chunk_id, caf::actor>::with<ok_atom>,
  // remove(ctx, id, created_ms): deletes this node's copy (garbage
  // collection), only the one created then (-1: whichever there is)
  caf::replies_to<remove_atom, request_context, chunk_id, int64_t>::with<ok_atom>,
  // every chunk stored here, and the ones found bad
  caf::replies_to<inventory_atom>::with<chunk_inventory>,
  // internal timer: the scrubber's next step
  caf::reacts_to<tick_atom>>;

// Repair manager (one per metadata node; the Raft leader's does the
// work): watches storage nodes, marks dead ones, re-replicates, collects
// garbage. A follower's forwards fsck to the leader's.
using repair_actor = caf::typed_actor<
  // fsck(ctx) -> the report of a scan that started after the request came
  caf::replies_to<fsck_atom, request_context>::with<fsck_report>,
  // status: the figures of the last complete scan at once (all zero on a
  // node that is not the Raft leader)
  caf::replies_to<status_atom>::with<fsck_report>,
  // internal timer: the next scan
  caf::reacts_to<tick_atom>,
  // peers(node, address, replica manager, repair manager): another node
  // became reachable (null handles: unreachable); from the peer connector
  caf::reacts_to<peers_atom, node_id, std::string, replica_actor, caf::actor>,
  // the local health monitor's verdicts, every heartbeat interval
  caf::reacts_to<health_atom, std::vector<peer_health>>>;

// Cache shard: chunk bytes in memory under a byte budget. Chunks never
// change, so a cached chunk is never stale.
using cache_actor = caf::typed_actor<
  // lookup(ctx, id): a hit with the bytes, or a miss saying whether to
  // load (ctx: the reader's request, for its trace id)
  caf::replies_to<lookup_atom, request_context, chunk_id>::with<cache_lookup>,
  // fill(id, bytes): a chunk read after a miss, verified by the sender
  caf::reacts_to<fill_atom, chunk_id, byte_buffer>,
  // fill(ctx, ref): the same, by reference: the shard reads the chunk from
  // its own node's replica (the reader's bytes need not cross the network)
  caf::reacts_to<fill_atom, request_context, chunk_ref>,
  // abandon(id): the load a miss asked for failed
  caf::reacts_to<abandon_atom, chunk_id>,
  // remove(id): drop the entry (a reader found its bytes bad)
  caf::reacts_to<remove_atom, chunk_id>, caf::replies_to<status_atom>::with<cache_shard_stats>,
  // internal timer: loads that took too long release their waiters
  caf::reacts_to<tick_atom>>;

// Gateway: the client API of the file service.
using gateway_actor = caf::typed_actor<
  // mkdir(ctx, path, parents)
  caf::replies_to<mkdir_atom, request_context, std::string, bool>::with<file_info>,
  caf::replies_to<stat_atom, request_context, std::string>::with<file_info>,
  caf::replies_to<list_atom, request_context, std::string>::with<std::vector<file_info>>,
  // remove(ctx, path, recursive)
  caf::replies_to<remove_atom, request_context, std::string, bool>::with<ok_atom>,
  // move(ctx, source, destination)
  caf::replies_to<move_atom, request_context, std::string, std::string>::with<file_info>,
  // open(ctx, path, replication; 0 = the node's default) -> upload ticket
  caf::replies_to<open_atom, request_context, std::string, uint32_t>::with<upload_ticket>,
  // write(ctx, upload, chunk index, bytes) -> where the chunk was stored
  caf::replies_to<write_atom, request_context, uint64_t, uint64_t, byte_buffer>::with<chunk_ref>,
  // commit(ctx, upload, total size) -> the new file version, visible now
  caf::replies_to<commit_atom, request_context, uint64_t, uint64_t>::with<file_info>,
  caf::replies_to<abort_atom, request_context, uint64_t>::with<ok_atom>,
  // put(ctx, path, replication, bytes): a whole file of at most one chunk
  // in one request (stored, then committed) -> the new file version
  caf::replies_to<put_atom, request_context, std::string, uint32_t, byte_buffer>::with<file_info>,
  // read(ctx, chunk) -> the chunk's bytes, verified
  caf::replies_to<read_atom, request_context, chunk_ref>::with<byte_buffer>,
  // get(ctx, path) -> the file's record and, for a file of at most one
  // chunk, its bytes (a stat and a read in one request)
  caf::replies_to<get_atom, request_context, std::string>::with<file_data>,
  // internal timer: expires idle uploads
  caf::reacts_to<tick_atom>,
  // internal timer: fails requests past their deadline (see swept_request)
  caf::reacts_to<sweep_atom>,
  // peers(node, replica manager, cache shards): another node's storage
  // and cache became reachable (null handle, no shards: unreachable);
  // from the node's peer connector
  caf::reacts_to<peers_atom, node_id, replica_actor, std::vector<cache_actor>>,
  // the local health monitor's verdicts and the nodes' load, every
  // heartbeat interval
  caf::reacts_to<health_atom, std::vector<peer_health>>,
  // load and routing figures (for the health monitor and dfsctl)
  caf::replies_to<status_atom>::with<gateway_status>>;

// Health monitor (one per node): sends heartbeats carrying the node's
// load to every peer's monitor, judges the peers' liveness from theirs
// (phi accrual, health/detector.hpp) and passes the verdicts on to the
// node's gateway and repair manager.
using health_actor = caf::typed_actor<
  // heartbeat(load): from another node's monitor
  caf::reacts_to<heartbeat_atom, node_load>,
  // peers(node, monitor): another node's monitor became reachable (null:
  // unreachable); from the peer connector. Untyped: a type cannot name itself
  caf::reacts_to<peers_atom, node_id, caf::actor>,
  // remove(node): the node left the cluster (node table); forget it
  caf::reacts_to<remove_atom, node_id>, caf::replies_to<status_atom>::with<health_report>,
  // internal timer: the next heartbeat round
  caf::reacts_to<tick_atom>>;

// The handles a node agent hands out; a role the node does not host is an
// invalid (null) handle.
struct node_handles {
  node_id id;
  gateway_actor gateway;
  meta_actor meta;
  replica_actor replica;
  raft_actor raft;                  // the node's Raft participant (meta nodes)
  repair_actor repair;              // meta nodes
  std::vector<cache_actor> caches;  // cache nodes: the node's shards, in shard order
  health_actor health;              // every node
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_handles& x) {
  return f(caf::meta::type_name("node_handles"), x.id, x.gateway, x.meta, x.replica, x.raft,
           x.repair, x.caches, x.health);
}

// One actor of a node, as the node agent lists it (dfs-shell's `actors`).
struct actor_entry {
  std::string name;      // unique on its node: "gateway", "cache-0", ...
  std::string kind;      // its interface: "gateway", "raft", "cache", ...
  int64_t mailbox = -1;  // messages waiting, as the actor last saw it (-1: not known)
  caf::actor handle;     // to message it (typed by `kind`)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_entry& x) {
  return f(caf::meta::type_name("actor_entry"), x.name, x.kind, x.mailbox, x.handle);
}

// Node agent: the one actor published on a node's port.
using node_agent_actor =
  caf::typed_actor<caf::replies_to<handles_atom>::with<node_handles>,
                   caf::replies_to<status_atom>::with<node_status>,
                   // every actor of the node: name, kind, mailbox size, handle
                   caf::replies_to<actors_atom>::with<std::vector<actor_entry>>>;

}  // namespace dfs
