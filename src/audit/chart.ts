import type { MinuteCount } from './report.js';

export interface ChartRow {
  /** ISO time of the row's first minute */
  start: string;
  calls: number;
  refused: number;
}

export interface Chart {
  /** minutes each row covers: 1 unless the period has more minutes than rows */
  minutesPerRow: number;
  rows: ChartRow[];
}

/** At most this many rows: a longer period gets rows of several minutes. */
export const CHART_ROWS = 30;

/** Every minute (or group of minutes) from the first call to the last, empty ones included. */
export function chartRows(minutes: readonly MinuteCount[], maxRows = CHART_ROWS): Chart {
  const first = minutes[0];
  const last = minutes.at(-1);
  if (first === undefined || last === undefined) return { minutesPerRow: 1, rows: [] };
  const startMs = Date.parse(first.minute);
  const span = (Date.parse(last.minute) - startMs) / 60_000 + 1;
  const minutesPerRow = Math.ceil(span / maxRows);
  const rowMs = minutesPerRow * 60_000;
  const rows: ChartRow[] = [];
  for (let at = startMs; at <= Date.parse(last.minute); at += rowMs) rows.push({ start: new Date(at).toISOString(), calls: 0, refused: 0 });
  for (const minute of minutes) {
    const row = rows[Math.floor((Date.parse(minute.minute) - startMs) / rowMs)] as ChartRow;
    row.calls += minute.calls;
    row.refused += minute.refused;
  }
  return { minutesPerRow, rows };
}
