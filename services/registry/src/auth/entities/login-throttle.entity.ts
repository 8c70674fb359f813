import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Failed logins per account and per client address (table login_throttle, owned by registry). */
@Entity({ name: 'login_throttle' })
export class LoginThrottleRow {
  /** "account:<id>" or "ip:<address>". */
  @PrimaryColumn('text')
  key: string;

  @Column({ type: 'integer' })
  failures: number;

  @Column({ name: 'window_started_at', type: 'timestamptz' })
  windowStartedAt: Date;

  @Column({ name: 'blocked_until', type: 'timestamptz', nullable: true })
  blockedUntil: Date | null;
}
