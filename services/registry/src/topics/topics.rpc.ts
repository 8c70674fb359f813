import { sameAccessAs, type RpcService } from '@hookline/grpc';
import { CreateTopicDto, ListTopicsQuery, UpdateTopicDto } from './dto/topic.dto';
import { TopicsController } from './topics.controller';
import { TopicsService } from './topics.service';

/** hookline.admin.v1.TopicsService: the same service methods as REST /v1/topics. */
export const topicsRpc: RpcService<TopicsService> = {
  service: 'hookline.admin.v1.TopicsService',
  provide: (get) => get(TopicsService),
  methods: {
    ListTopics: { access: sameAccessAs(TopicsController, 'list'), run: async (s, c) => s.list(c.principal, await c.query(ListTopicsQuery)) },
    GetTopic: { access: sameAccessAs(TopicsController, 'get'), run: (s, c) => s.get(c.principal, c.tenant(), c.field('name')) },
    CreateTopic: { access: sameAccessAs(TopicsController, 'create'), run: async (s, c) => s.create(c.principal, await c.body(CreateTopicDto)) },
    UpdateTopic: { access: sameAccessAs(TopicsController, 'update'), run: async (s, c) => s.update(c.principal, c.tenant(), c.field('name'), await c.body(UpdateTopicDto, ['tenant', 'name'])) },
    DeleteTopic: { access: sameAccessAs(TopicsController, 'delete'), run: (s, c) => s.delete(c.principal, c.tenant(), c.field('name')) },
  },
};
