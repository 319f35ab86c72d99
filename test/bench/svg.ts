/**
 * Tiny SVG charts for docs/benchmarks.md, generated from the benchmark results (no plotting
 * dependency: two chart shapes, plain SVG text).
 */
export interface Series {
  readonly name: string
  readonly points: ReadonlyArray<readonly [number, number]>
  readonly dashed?: boolean
}

const COLORS = ['#2b6cb0', '#c05621', '#2f855a', '#6b46c1', '#b7791f', '#c53030']

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function niceMax(v: number): number {
  if (v <= 0) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p
  return 10 * p
}

function fmt(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(v % 1e6 === 0 ? 0 : 1)}M`
  if (v >= 1e3) return `${(v / 1e3).toFixed(v % 1e3 === 0 ? 0 : 1)}k`
  return Number.isInteger(v) ? String(v) : v.toFixed(1)
}

/** A line chart: x numeric (e.g. cluster size), y numeric (e.g. ms). */
export function lineChart(opts: {
  title: string
  xLabel: string
  yLabel: string
  series: readonly Series[]
}): string {
  const W = 640
  const H = 360
  const L = 64
  const R = 150
  const T = 40
  const B = 48
  const xs = opts.series.flatMap((s) => s.points.map((p) => p[0]))
  const ys = opts.series.flatMap((s) => s.points.map((p) => p[1]))
  const xMin = Math.min(...xs, 0)
  const xMax = Math.max(...xs, 1)
  const yMax = niceMax(Math.max(...ys, 0))
  const px = (x: number) => L + ((x - xMin) / (xMax - xMin || 1)) * (W - L - R)
  const py = (y: number) => H - B - (y / yMax) * (H - T - B)
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(opts.title)}</text>`,
  ]
  for (let i = 0; i <= 5; i++) {
    const y = (yMax / 5) * i
    out.push(`<line x1="${L}" x2="${W - R}" y1="${py(y)}" y2="${py(y)}" stroke="#e2e8f0"/>`)
    out.push(`<text x="${L - 6}" y="${py(y) + 4}" text-anchor="end">${fmt(y)}</text>`)
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    out.push(`<text x="${px(x)}" y="${H - B + 16}" text-anchor="middle">${fmt(x)}</text>`)
  }
  out.push(`<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#4a5568"/>`)
  out.push(`<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#4a5568"/>`)
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 10}" text-anchor="middle">${esc(opts.xLabel)}</text>`)
  out.push(
    `<text x="16" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(T + H - B) / 2})">${esc(opts.yLabel)}</text>`,
  )
  opts.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]
    const pts = [...s.points].sort((a, b) => a[0] - b[0])
    const d = pts
      .map((p, j) => `${j === 0 ? 'M' : 'L'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`)
      .join(' ')
    out.push(
      `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''}/>`,
    )
    for (const p of pts)
      out.push(`<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="3" fill="${color}"/>`)
    const ly = T + 10 + i * 18
    out.push(
      `<line x1="${W - R + 12}" x2="${W - R + 32}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''}/>`,
    )
    out.push(`<text x="${W - R + 38}" y="${ly + 4}">${esc(s.name)}</text>`)
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}

/** A bar chart of named values (e.g. queries per second per server). */
export function barChart(opts: {
  title: string
  yLabel: string
  bars: ReadonlyArray<{ name: string; value: number }>
}): string {
  const W = 640
  const H = 340
  const L = 70
  const R = 20
  const T = 40
  const B = 50
  const yMax = niceMax(Math.max(...opts.bars.map((b) => b.value), 0))
  const py = (y: number) => H - B - (y / yMax) * (H - T - B)
  const slot = (W - L - R) / Math.max(1, opts.bars.length)
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(opts.title)}</text>`,
  ]
  for (let i = 0; i <= 5; i++) {
    const y = (yMax / 5) * i
    out.push(`<line x1="${L}" x2="${W - R}" y1="${py(y)}" y2="${py(y)}" stroke="#e2e8f0"/>`)
    out.push(`<text x="${L - 6}" y="${py(y) + 4}" text-anchor="end">${fmt(y)}</text>`)
  }
  opts.bars.forEach((b, i) => {
    const x = L + i * slot + slot * 0.2
    const w = slot * 0.6
    out.push(
      `<rect x="${x.toFixed(1)}" y="${py(b.value).toFixed(1)}" width="${w.toFixed(1)}" height="${(H - B - py(b.value)).toFixed(1)}" fill="${COLORS[i % COLORS.length]}"/>`,
    )
    out.push(
      `<text x="${(x + w / 2).toFixed(1)}" y="${(py(b.value) - 6).toFixed(1)}" text-anchor="middle">${fmt(b.value)}</text>`,
    )
    out.push(
      `<text x="${(x + w / 2).toFixed(1)}" y="${H - B + 18}" text-anchor="middle">${esc(b.name)}</text>`,
    )
  })
  out.push(`<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#4a5568"/>`)
  out.push(
    `<text x="16" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(T + H - B) / 2})">${esc(opts.yLabel)}</text>`,
  )
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
