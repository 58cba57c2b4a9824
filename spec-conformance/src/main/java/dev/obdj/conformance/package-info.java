/**
 * The conformance suite: numbered clauses of the LSMT and ZFile formats, vectors written field by
 * field from the clause text, and a runner that judges any implementation. Not built yet.
 */
package dev.obdj.conformance;
