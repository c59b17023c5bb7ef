/** Provides the DataSource to every module: connected and migrated (once across replicas) before anything else starts. */
import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createDataSource } from './data-source.js';
import type { PgConnectionSettings } from './pg-connection.js';
import { migrateOnce } from './migrate.js';

@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  static forRoot(settings: PgConnectionSettings): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: DataSource,
          useFactory: async () => {
            const { url, ...timeouts } = settings;
            const ds = createDataSource(url, timeouts);
            try {
              await ds.initialize();
            } catch (error) {
              throw new Error(`cannot connect to PostgreSQL: ${(error as Error).message}`, { cause: error });
            }
            await migrateOnce(ds);
            return ds;
          },
        },
      ],
      exports: [DataSource],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.db.isInitialized) await this.db.destroy();
  }
}
