// Resident memory and CPU time of a process, from /proc (Linux only).
import { readFileSync } from 'node:fs';

/**
 * @param {number} pid
 * @returns {{rssBytes: number, hwmBytes: number} | undefined} VmRSS now and VmHWM (the peak so far)
 */
export function residentMemory(pid) {
  let status;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : NaN;
  };
  return { rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM') };
}

/** Nanoseconds the process has spent on a CPU so far (/proc/<pid>/schedstat), undefined if unreadable. */
export function cpuTimeNs(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}
