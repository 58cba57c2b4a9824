/** Coverage-guided fuzz targets (Jazzer) for every parser and reader. Not built yet. */
package dev.obdj.fuzz;
