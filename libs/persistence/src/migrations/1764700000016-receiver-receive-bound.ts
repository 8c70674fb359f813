import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * registry: what a receiver's registrant could receive itself (webhooks:receive units ×
 * topics) when it registered the receiver or last changed its account, topics or URL.
 * The dispatcher delivers only what both this bound and the receiving account's grants
 * allow. Receivers registered before have none (null), as the operator's have.
 */
export class ReceiverReceiveBound1764700000016 implements MigrationInterface {
  name = 'ReceiverReceiveBound1764700000016';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE receivers ADD COLUMN receive_bound jsonb');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE receivers DROP COLUMN receive_bound');
  }
}
