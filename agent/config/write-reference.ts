/** `npm run docs:config`: rewrite the generated table in docs/configuration.md. */
import { readFileSync, writeFileSync } from 'node:fs'
import { renderConfigTable, TABLE_BEGIN, TABLE_END } from './reference.ts'

const path = new URL('../../docs/configuration.md', import.meta.url)
const page = readFileSync(path, 'utf8')
const start = page.indexOf(TABLE_BEGIN)
const end = page.indexOf(TABLE_END)
if (start < 0 || end < start) {
  console.error(`docs/configuration.md has no ${TABLE_BEGIN} ... ${TABLE_END} markers`)
  process.exit(1)
}
writeFileSync(
  path,
  `${page.slice(0, start + TABLE_BEGIN.length)}\n${renderConfigTable()}\n${page.slice(end)}`,
)
console.log('docs/configuration.md: table rewritten')
