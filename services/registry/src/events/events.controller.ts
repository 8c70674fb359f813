import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { CurrentPrincipal, Requires, ValidationError, type Principal } from '@hookline/http';
import { PublishEventDto } from './dto/publish-event.dto';
import { AcceptedEvent, EventsService } from './events.service';

export const IDEMPOTENCY_KEY_RE = /^[\x21-\x7e]{1,255}$/;

@Controller('v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post()
  @HttpCode(202)
  @Requires('events:publish')
  async publish(@CurrentPrincipal() p: Principal, @Body() dto: PublishEventDto, @Headers('idempotency-key') key: string | undefined): Promise<AcceptedEvent> {
    if (key !== undefined && !IDEMPOTENCY_KEY_RE.test(key)) {
      throw new ValidationError([{ field: 'Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' }]);
    }
    return this.events.accept(p, dto, key);
  }
}
