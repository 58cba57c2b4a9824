/**
 * The conformance suite: numbered clauses of the LSMT and ZFile formats ({@link dev.obdj.conformance.Catalogue}),
 * vectors written field by field from the clause text ({@link dev.obdj.conformance.VectorBuilder}), and a runner
 * ({@link dev.obdj.conformance.Runner}) that judges obdj in-process or any implementation behind the adapter
 * protocol of spec-conformance/README.md.
 */
package dev.obdj.conformance;
