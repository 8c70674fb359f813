// The OpenTelemetry SDK, loaded only when traces are on (tracing.ts startTracing requires
// this file then, and never otherwise): a tracer provider with the service's resource,
// a batch span processor exporting over OTLP/HTTP (protobuf or JSON), the W3C trace
// context propagator, and the instrumentations of http (the services' own HTTP server
// spans), undici (the egress client's outbound requests) and pg (TypeORM's queries).
import { INSTANCE_ID } from './instance-id';
import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION, ATTR_URL_QUERY } from '@opentelemetry/semantic-conventions';
import type { TracingPlan, TracingRuntime } from './tracing';

type EnabledPlan = Extract<TracingPlan, { enabled: true }>;

/** Our own spans' instrumentation scope. */
export const TRACER_NAME = '@hookline/observability';

/** Requests that are not work: probes and scrapes make no spans. */
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics']);

/** What stands for a query parameter's value on a server span (the instrumentation's own word). */
const REDACTED = 'REDACTED';

/**
 * An incoming request's query with every value redacted, names kept ("token=REDACTED&a=REDACTED"),
 * or undefined when it has none. Any parameter may carry a secret: a listener's token is
 * read from a query parameter its owner names (/hooks/…?token=…, ?key=…), so no list of
 * sensitive names would do.
 */
export function redactedQuery(url: string | undefined): string | undefined {
  const at = (url ?? '').indexOf('?');
  if (at < 0) return undefined;
  const query = (url ?? '').slice(at + 1).split('#')[0];
  if (query === '') return undefined;
  const out = new URLSearchParams();
  for (const name of new Set(new URLSearchParams(query).keys())) out.append(name, REDACTED);
  return out.toString();
}

/** OpenTelemetry's sampler names (OTEL_TRACES_SAMPLER) as samplers. */
export function samplerFor(name: string, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/**
 * Takes the trace context from incoming requests but writes none into outgoing ones
 * (HOOKLINE_TRACING_OUTBOUND_TRACEPARENT=false: webhooks leave without traceparent).
 */
export class ExtractOnlyPropagator implements TextMapPropagator {
  constructor(private readonly inner: TextMapPropagator) {}
  inject(_context: Context, _carrier: unknown, _setter: TextMapSetter): void {
    // Nothing goes out.
  }
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    return this.inner.extract(context, carrier, getter);
  }
  fields(): string[] {
    return this.inner.fields();
  }
}

export interface TracingRuntimeOptions {
  serviceName: string;
  version: string;
  exporter: SpanExporter;
  /** Batch (production) by default; tests pass a SimpleSpanProcessor. */
  processor?: (exporter: SpanExporter) => SpanProcessor;
  sampler?: Sampler;
  outboundTraceparent?: boolean;
  /** Register the http, undici and pg instrumentations (a service does; unit tests need not). */
  instrument?: boolean;
}

/** A tracer provider registered as the process's global one, and what tracing.ts needs of it. */
export function createTracingRuntime(o: TracingRuntimeOptions): TracingRuntime {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: o.serviceName, [ATTR_SERVICE_VERSION]: o.version, 'service.namespace': 'hookline', 'service.instance.id': INSTANCE_ID }),
    sampler: o.sampler ?? samplerFor('parentbased_always_on', 1),
    spanProcessors: [(o.processor ?? ((e) => new BatchSpanProcessor(e)))(o.exporter)],
  });
  const w3c = new W3CTraceContextPropagator();
  // The global propagator is what the http and undici instrumentations use: incoming
  // requests always continue a caller's trace; outgoing ones carry it unless told not to.
  provider.register({ propagator: o.outboundTraceparent === false ? new ExtractOnlyPropagator(w3c) : w3c });
  const disable = o.instrument
    ? registerInstrumentations({
        tracerProvider: provider,
        instrumentations: [
          new HttpInstrumentation({
            ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0]),
            // url.query without values: the instrumentation redacts only a few cloud-signature
            // names by default, and a hook's attributes override its own.
            startIncomingSpanHook: (req) => {
              const query = redactedQuery(req.url);
              return query === undefined ? {} : { [ATTR_URL_QUERY]: query };
            },
            // The services make no outgoing requests with node:http that are not part of some work.
            requireParentforOutgoingSpans: true,
          }),
          new UndiciInstrumentation({ requireParentforSpans: true }),
          // Statement text only (no parameter values: they can hold secrets); no spans for queries outside any work (pollers).
          new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
        ],
      })
    : () => undefined;
  return {
    tracer: provider.getTracer(TRACER_NAME),
    propagator: w3c,
    async shutdown() {
      disable();
      await provider.shutdown();
    },
  };
}

/** Starts the SDK a plan asks for (tracing.ts startTracing). */
export function startTracingSdk(plan: EnabledPlan): TracingRuntime {
  const exporterOptions = { url: plan.url, headers: plan.headers };
  const exporter = plan.protocol === 'http/json' ? new OtlpJsonExporter(exporterOptions) : new OtlpProtobufExporter(exporterOptions);
  return createTracingRuntime({
    serviceName: plan.serviceName,
    version: plan.version,
    exporter,
    processor: (e) => new BatchSpanProcessor(e, { scheduledDelayMillis: plan.scheduleDelayMs }),
    sampler: samplerFor(plan.sampler, plan.samplerRatio),
    outboundTraceparent: plan.outboundTraceparent,
    instrument: true,
  });
}
