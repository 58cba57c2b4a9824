/**
 * The TCMU frontend: serves an obdj image as a Linux SCSI block device through the kernel's
 * userspace command ring ({@code /dev/uioN}), using FFM for the native calls. Not built yet.
 */
package dev.obdj.tcmu;
