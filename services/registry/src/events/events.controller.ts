import { Body, Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ValidationError } from '@hookline/http';
import { PublishEventDto } from './dto/publish-event.dto';
import { AcceptedEvent, EventsService } from './events.service';

const IDEMPOTENCY_KEY_RE = /^[\x21-\x7e]{1,255}$/;

@Controller('v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post()
  @HttpCode(202)
  async publish(@Body() dto: PublishEventDto, @Headers('idempotency-key') key: string | undefined, @Req() req: Request): Promise<AcceptedEvent> {
    if (key !== undefined && !IDEMPOTENCY_KEY_RE.test(key)) {
      throw new ValidationError([{ field: 'Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' }]);
    }
    const by = req.principal?.kind === 'operator' ? 'operator' : 'unknown';
    return this.events.accept(dto.tenant, dto, by, key);
  }
}
