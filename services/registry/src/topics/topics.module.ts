import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TenantsModule } from '../tenants/tenants.module';
import { Topic } from './entities/topic.entity';
import { TopicsController } from './topics.controller';
import { TopicsRepository } from './topics.repository';
import { TopicsService } from './topics.service';

/** Each tenant's topic catalogue (/v1/topics). */
@Module({
  imports: [TypeOrmModule.forFeature([Topic]), TenantsModule],
  controllers: [TopicsController],
  providers: [TopicsRepository, TopicsService],
  exports: [TopicsRepository],
})
export class TopicsModule {}
