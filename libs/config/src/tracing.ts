// OpenTelemetry traces: off unless configured. The names are OpenTelemetry's standard
// environment variables where one exists (an operator's collector setup works as it
// would for any other service), plus HOOKLINE_TRACING to turn them on or off outright.
import { field, type FieldSpec } from './config';

export const TRACES_SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type TracesSampler = (typeof TRACES_SAMPLERS)[number];

export const tracingConfig = {
  tracing: field.oneOf('HOOKLINE_TRACING', ['off', 'otlp'] as const, {
    optional: true,
    doc: 'traces: otlp exports them to OTEL_EXPORTER_OTLP_ENDPOINT (or http://localhost:4318 when none is set), off turns them off; unset, they are on exactly when an OTLP endpoint is set',
  }),
  otelSdkDisabled: field.bool('OTEL_SDK_DISABLED', { default: false, doc: 'true turns traces off whatever else is set (OpenTelemetry\'s standard switch)' }),
  otlpEndpoint: field.url('OTEL_EXPORTER_OTLP_ENDPOINT', { protocols: ['http:', 'https:'], optional: true, doc: 'the OTLP/HTTP collector\'s base URL; traces go to <it>/v1/traces' }),
  otlpTracesEndpoint: field.url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', { protocols: ['http:', 'https:'], optional: true, doc: 'the full URL traces are sent to (overrides OTEL_EXPORTER_OTLP_ENDPOINT for traces)' }),
  otlpProtocol: field.oneOf('OTEL_EXPORTER_OTLP_PROTOCOL', ['http/protobuf', 'http/json'] as const, { default: 'http/protobuf', doc: 'how spans are encoded to the collector (gRPC is not offered)' }),
  // May carry an API key for a hosted collector: marked secret so a bad value is never echoed.
  otlpHeaders: {
    env: 'OTEL_EXPORTER_OTLP_HEADERS',
    optional: true,
    secret: true,
    doc: 'headers sent with every export, as key=value pairs, comma-separated and URL-encoded (e.g. an API key of a hosted collector)',
    parse: parseOtlpHeaders,
  } satisfies FieldSpec<Record<string, string>> & { env: string },
  otelServiceName: field.string('OTEL_SERVICE_NAME', { optional: true, doc: 'service.name of the spans; defaults to the service\'s own name (registry, dispatcher, ...)' }),
  tracesSampler: field.oneOf('OTEL_TRACES_SAMPLER', TRACES_SAMPLERS, { default: 'parentbased_always_on', doc: 'which traces are recorded (OpenTelemetry\'s sampler names)' }),
  tracesSamplerArg: {
    env: 'OTEL_TRACES_SAMPLER_ARG',
    default: 1,
    doc: 'the ratio of traces the traceidratio samplers record, from 0 to 1',
    parse: (raw: string): number => {
      const n = Number(raw.trim());
      if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new Error('must be a number from 0 to 1');
      return n;
    },
  } satisfies FieldSpec<number> & { env: string },
  tracesScheduleDelayMs: field.int('OTEL_BSP_SCHEDULE_DELAY', { default: 5000, min: 1, max: 600_000, doc: 'milliseconds between exports of finished spans' }),
  tracesOutboundTraceparent: field.bool('HOOKLINE_TRACING_OUTBOUND_TRACEPARENT', {
    default: true,
    doc: 'whether outbound requests (webhooks, push notifications, integrations) carry the W3C traceparent header of their attempt while traces are on',
  }),
};

export type TracingConfig = {
  tracing?: 'off' | 'otlp';
  otelSdkDisabled: boolean;
  otlpEndpoint?: string;
  otlpTracesEndpoint?: string;
  otlpProtocol: 'http/protobuf' | 'http/json';
  otlpHeaders?: Record<string, string>;
  otelServiceName?: string;
  tracesSampler: TracesSampler;
  tracesSamplerArg: number;
  tracesScheduleDelayMs: number;
  tracesOutboundTraceparent: boolean;
};

/** `key=value,key2=value2` (W3C baggage-like, values URL-encoded), as OTEL_EXPORTER_OTLP_HEADERS is written. */
export function parseOtlpHeaders(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = eq > 0 ? part.slice(0, eq).trim() : '';
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) throw new Error('must be key=value pairs, comma-separated');
    let value: string;
    try {
      value = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      throw new Error(`the value of ${key} is not URL-encoded`);
    }
    out[key] = value;
  }
  return out;
}
