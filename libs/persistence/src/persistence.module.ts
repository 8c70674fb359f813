import { DynamicModule, Global, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ReadinessRegistry } from '@hookline/observability';
import { dataSourceOptions } from './data-source';

@Injectable()
class PostgresReadiness implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly readiness: ReadinessRegistry,
  ) {}
  onModuleInit(): void {
    this.readiness.register('postgres', async () => {
      await this.dataSource.query('SELECT 1');
    });
  }
}

@Global()
@Module({})
export class PersistenceModule {
  /** TypeORM on pg; the schema comes only from migrations (`npm run migrate`), never synchronize. */
  static forRoot(opts: { databaseUrl: string; poolSize: number; entities: Function[]; service: string }): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(opts.databaseUrl, opts.poolSize, opts.service),
          entities: opts.entities,
          retryAttempts: 30,
          retryDelay: 1000,
        }),
      ],
      providers: [PostgresReadiness],
      exports: [TypeOrmModule],
    };
  }
}
