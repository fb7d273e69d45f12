// The V8 settings the archive's server runs with: `npm start` passes them (package.json, held
// to this list by node-flags.test.ts), and so does every launcher of the built server
// (scripts/archive/server.ts: the demo, the e2e tests, the benchmarks).
//
// --optimize-for-size: V8 keeps its heaps small rather than quick to allocate in. The young
// generation stays at semi-spaces of 1 MiB (16 MiB by default, grown under allocation and then
// kept), in the server and in each verification worker, and the old generation grows by a
// smaller factor before it is collected. In vs-synapse runs (bench/README.md) that was about
// 30 MiB less at the peak of serving day pages and during an ingest, and with every page
// rendered (no page cache) 275–280 MiB against 455–560 MiB; the price was renders about 25%
// slower, paid only for a page the cache does not hold. An operator with memory to spare whose
// archive renders much can run `node .next/archive/start.mjs` without it (docs/operators.md).
export const SERVER_NODE_FLAGS: readonly string[] = ["--optimize-for-size"];
