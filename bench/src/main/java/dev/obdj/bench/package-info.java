/** JMH benchmarks: each class answers one question with its baseline beside it (see bench/README.md). */
package dev.obdj.bench;
