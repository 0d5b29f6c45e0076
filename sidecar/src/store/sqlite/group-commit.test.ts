import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

const open: Database.Database[] = [];
afterEach(() => open.splice(0).forEach((db) => db.open && db.close()));

function table() {
  const db = new Database(':memory:');
  open.push(db);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  const insert = db.prepare<[number, string | null]>('INSERT INTO t (id, v) VALUES (?, ?)');
  const ids = () => db.prepare<[], { id: number }>('SELECT id FROM t ORDER BY id').all().map((row) => row.id);
  return { db, writer: new GroupCommit(db), insert, ids };
}

describe('GroupCommit', () => {
  it('commits the operations of one tick together, in order, and answers each after the commit', async () => {
    const { writer, insert, ids } = table();
    const results = await Promise.all([1, 2, 3].map((id) => writer.run('insert', () => insert.run(id, 'x').changes, { durable: true })));
    expect(results).toEqual([1, 1, 1]);
    expect(ids()).toEqual([1, 2, 3]);
  });

  it('fails a poisonous operation alone: the rest of its batch commits', async () => {
    const { writer, insert, ids } = table();
    const outcomes = await Promise.allSettled([
      writer.run('insert', () => insert.run(1, 'a'), { durable: true }),
      writer.run('insert', () => insert.run(2, null), { durable: true }), // NOT NULL
      writer.run('insert', () => {
        insert.run(3, 'c');
        insert.run(1, 'dup'); // its own first row is undone with it
      }, { durable: true }),
      writer.run('insert', () => insert.run(4, 'd'), { durable: false }),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'internal_error' });
    expect(ids()).toEqual([1, 4]);
  });

  it('retries each operation alone when the batch itself cannot commit', async () => {
    const { db, writer, insert, ids } = table();
    const outcomes = await Promise.allSettled([
      writer.run('insert', () => insert.run(1, 'a'), { durable: true }),
      // Ends the whole transaction: the batch cannot go on, the others are retried alone.
      writer.run('end the transaction', () => db.exec('ROLLBACK'), { durable: true }),
      writer.run('insert', () => insert.run(2, 'b'), { durable: true }),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(ids()).toEqual([1, 2]);
  });

  it('rejects with store_unavailable, acknowledging nothing, once the connection is gone or the writer closed', async () => {
    const { db, writer, insert } = table();
    const pending = writer.run('insert', () => insert.run(1, 'a'), { durable: true });
    db.close();
    await expect(pending).rejects.toMatchObject({ code: 'store_unavailable', retryable: true });
    writer.close();
    await expect(writer.run('insert', () => insert.run(2, 'b'), { durable: true })).rejects.toMatchObject({ code: 'store_unavailable' });
  });
});
