// Resident memory of a process, from /proc/<pid>/status (Linux only).
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
