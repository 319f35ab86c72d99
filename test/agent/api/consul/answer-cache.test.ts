import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AnswerCache } from '../../../../agent/api/consul/answer-cache.ts'

describe('AnswerCache', () => {
  it('builds once per key and index, rebuilds when the index moves', () => {
    const cache = new AnswerCache()
    let builds = 0
    const build = () => {
      builds++
      return { n: builds }
    }
    assert.equal(cache.json('a', 5, build), '{"n":1}')
    assert.equal(cache.json('a', 5, build), '{"n":1}')
    assert.equal(builds, 1)
    assert.equal(cache.json('b', 5, build), '{"n":2}')
    assert.equal(cache.json('a', 6, build), '{"n":3}', 'a new index drops every answer')
    assert.equal(cache.size, 1)
  })

  it('holds at most `max` answers, dropping the oldest', () => {
    const cache = new AnswerCache(2)
    for (const k of ['a', 'b', 'c']) cache.json(k, 1, () => k)
    assert.equal(cache.size, 2)
    let rebuilt = false
    cache.json('a', 1, () => {
      rebuilt = true
      return 'a'
    })
    assert.equal(rebuilt, true)
  })
})
