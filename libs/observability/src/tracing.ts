// OpenTelemetry traces, off unless configured. This file is what every service loads:
// the decision whether traces are on (a pure function of the configuration), and the
// small helpers the messaging library calls to carry a trace across NATS (W3C
// traceparent/tracestate in message headers) and to open the spans of a publish, a
// consume and a request. Only @opentelemetry/api is loaded here; the SDK (tracer
// provider, exporter, instrumentations: tracing-sdk.ts) is required only when traces
// are on. With them off every helper returns at its first line.
//
// Batches: several items (facts, sign requests) can travel in one NATS message. Such a
// message carries the trace context of its first item, so the first item's trace runs
// on through it; its producer span links to the spans of the other items, so each of
// their traces shows where its item went.
import {
  context,
  createContextKey,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api';

export { SpanKind };
export type { Span };

/** A captured trace context (opaque to callers): where a batched item's part continues. */
export type TraceContext = Context;

/** The typed configuration's tracing fields (tracingConfig in @hookline/config). */
export interface TracingOptions {
  tracing?: 'off' | 'otlp';
  otelSdkDisabled: boolean;
  otlpEndpoint?: string;
  otlpTracesEndpoint?: string;
  otlpProtocol: 'http/protobuf' | 'http/json';
  otlpHeaders?: Record<string, string>;
  otelServiceName?: string;
  tracesSampler: string;
  tracesSamplerArg: number;
  tracesScheduleDelayMs: number;
  tracesOutboundTraceparent: boolean;
}

export interface ServiceIdentityForTraces {
  service: string;
  version: string;
}

export type TracingPlan =
  | { enabled: false }
  | {
      enabled: true;
      serviceName: string;
      version: string;
      /** Where spans are POSTed (OTLP/HTTP). */
      url: string;
      protocol: 'http/protobuf' | 'http/json';
      headers: Record<string, string>;
      sampler: string;
      samplerRatio: number;
      scheduleDelayMs: number;
      /** Whether outbound HTTP requests carry traceparent (NATS messages always do while traces are on). */
      outboundTraceparent: boolean;
    };

/** OTLP/HTTP's default collector address (the OpenTelemetry specification's). */
export const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';

/**
 * Whether traces are on, and where they go. OTEL_SDK_DISABLED=true or HOOKLINE_TRACING=off
 * turn them off; HOOKLINE_TRACING=otlp turns them on; unset, they are on exactly when an
 * OTLP endpoint is configured. A signal-specific endpoint is used as it is; the base
 * endpoint gets /v1/traces appended (as the OTLP exporter specification says).
 */
export function tracingPlan(id: ServiceIdentityForTraces, o: TracingOptions): TracingPlan {
  if (o.otelSdkDisabled || o.tracing === 'off') return { enabled: false };
  if (o.tracing === undefined && !o.otlpEndpoint && !o.otlpTracesEndpoint) return { enabled: false };
  const url = o.otlpTracesEndpoint ?? `${(o.otlpEndpoint ?? DEFAULT_OTLP_ENDPOINT).replace(/\/+$/, '')}/v1/traces`;
  return {
    enabled: true,
    serviceName: o.otelServiceName ?? id.service,
    version: id.version,
    url,
    protocol: o.otlpProtocol,
    headers: o.otlpHeaders ?? {},
    sampler: o.tracesSampler,
    samplerRatio: o.tracesSamplerArg,
    scheduleDelayMs: o.tracesScheduleDelayMs,
    outboundTraceparent: o.tracesOutboundTraceparent,
  };
}

/** What a running SDK gives this file: the tracer for our own spans and the W3C propagator for NATS headers. */
export interface TracingRuntime {
  tracer: Tracer;
  propagator: TextMapPropagator;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

let runtime: TracingRuntime | undefined;

/** Whether traces are on in this process. */
export function tracingActive(): boolean {
  return runtime !== undefined;
}

/**
 * Makes `r` this process's tracing (or none). startTracing does it for a service; unit
 * tests do it with an in-memory exporter (tracing-sdk.ts createTracingRuntime).
 */
export function setTracingRuntime(r: TracingRuntime | undefined): void {
  runtime = r;
}

/**
 * Starts traces if the configuration asks for them, before the modules they instrument
 * (http, express, pg, undici) are loaded: call it from the first file a service's
 * main.ts imports. `read` returns the typed configuration's tracing fields; if it
 * throws (a bad value), traces stay off and the service's own configuration check
 * refuses to start with the whole list of what is wrong.
 */
export function startTracing(id: ServiceIdentityForTraces, read: () => TracingOptions): boolean {
  if (runtime) return true;
  let plan: TracingPlan;
  try {
    plan = tracingPlan(id, read());
  } catch {
    return false;
  }
  if (!plan.enabled) return false;
  // Loaded only now: with traces off no SDK module is ever required.
  const sdk = require('./tracing-sdk') as typeof import('./tracing-sdk');
  runtime = sdk.startTracingSdk(plan);
  return true;
}

/** Exports the spans still buffered and stops (at shutdown). */
export async function shutdownTracing(): Promise<void> {
  const r = runtime;
  runtime = undefined;
  await r?.shutdown();
}

// ---- W3C trace context in NATS headers -------------------------------------------------

/** Header names the W3C trace context uses (lower case, as the specification writes them). */
export const TRACE_HEADERS = { traceparent: 'traceparent', tracestate: 'tracestate' } as const;

/** What a NATS MsgHdrs offers for writing (and a test's plain stand-in). */
export interface HeaderWriter {
  set(key: string, value: string): void;
}

/** What a NATS MsgHdrs offers for reading: get() answers "" (or undefined) for an absent header. */
export interface HeaderReader {
  get(key: string): string | undefined;
}

const setter: TextMapSetter<HeaderWriter> = { set: (carrier, key, value) => carrier.set(key, value) };
const getter: TextMapGetter<HeaderReader> = {
  keys: () => [TRACE_HEADERS.traceparent, TRACE_HEADERS.tracestate],
  get: (carrier, key) => carrier.get(key) || undefined,
};

/** Writes the trace context of `ctx` (the active one by default) into NATS headers; nothing when traces are off or no span is active. */
export function injectTraceContext(headers: HeaderWriter, ctx?: Context): void {
  if (!runtime) return;
  runtime.propagator.inject(ctx ?? context.active(), headers, setter);
}

/** The trace context NATS headers carry, as a parent for the receiver's span; undefined when traces are off or the headers carry none (or an invalid one). */
export function extractTraceContext(headers: HeaderReader | undefined): Context | undefined {
  if (!runtime || !headers) return undefined;
  // Onto an empty context: whatever span is active here is not the message's parent.
  const ctx = runtime.propagator.extract(ROOT_CONTEXT, headers, getter);
  const sc = trace.getSpanContext(ctx);
  return sc && isSpanContextValid(sc) ? ctx : undefined;
}

/** A plain object as NATS-like headers (for handlers that copied them into a record). */
export function headerRecord(record: Record<string, string>): HeaderReader {
  return { get: (k) => record[k] };
}

// ---- spans ------------------------------------------------------------------------------

/** Links the next producer or client span (a batch message's) gets, set by withBatchContext. */
const BATCH_LINKS = createContextKey('hookline.batch-links');

export interface SpanSpec {
  kind: SpanKind;
  attributes?: Attributes;
  /** The parent (e.g. extracted from a message's headers); the active context by default. A parent of undefined starts a new trace when `root` is set. */
  parent?: Context;
  /** Start a new trace when no parent is given, rather than continuing the active one. */
  root?: boolean;
  links?: Link[];
}

/**
 * Runs `fn` inside a new span (ended when `fn` settles; an error marks it failed), or
 * just runs `fn` when traces are off. A producer or client span opened inside
 * withBatchContext links to the batch's other items.
 */
export function inSpan<T>(name: string, spec: SpanSpec, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
  const r = runtime;
  if (!r) return fn(undefined);
  let parent = spec.parent ?? (spec.root ? trace.deleteSpan(context.active()) : context.active());
  let links = spec.links;
  const batch = parent.getValue(BATCH_LINKS) as Link[] | undefined;
  if (batch) {
    if (spec.kind === SpanKind.PRODUCER || spec.kind === SpanKind.CLIENT) links = [...(links ?? []), ...batch];
    parent = parent.deleteValue(BATCH_LINKS);
  }
  const span = r.tracer.startSpan(name, { kind: spec.kind, attributes: spec.attributes, links }, parent);
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await fn(span);
    } catch (err) {
      markSpanFailed(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Marks a span failed with an error that was handled rather than thrown (a message settled with nak or term). */
export function markSpanFailed(span: Span | undefined, err: unknown): void {
  if (!span) return;
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/** The active context, to run a batched item's part later in it (withBatchContext); undefined when traces are off. */
export function captureTraceContext(): Context | undefined {
  return runtime ? context.active() : undefined;
}

/**
 * Runs `fn` (which sends one message for several items) in the first item's context,
 * with links to the other items' spans for the message's producer or client span.
 */
export function withBatchContext<T>(contexts: readonly (Context | undefined)[], fn: () => T): T {
  if (!runtime) return fn();
  const first = contexts.find((c) => c !== undefined) ?? context.active();
  const firstSpan = trace.getSpanContext(first);
  const links: Link[] = [];
  const seen = new Set<string>(firstSpan ? [firstSpan.spanId] : []);
  for (const c of contexts) {
    const sc = c ? trace.getSpanContext(c) : undefined;
    if (!sc || !isSpanContextValid(sc) || seen.has(sc.spanId)) continue;
    seen.add(sc.spanId);
    links.push({ context: sc });
  }
  return context.with(links.length > 0 ? first.setValue(BATCH_LINKS, links) : first, fn);
}

/** The span context of a context, for links. */
export function spanContextOf(ctx: Context | undefined): SpanContext | undefined {
  const sc = ctx ? trace.getSpanContext(ctx) : undefined;
  return sc && isSpanContextValid(sc) ? sc : undefined;
}

// ---- logs ---------------------------------------------------------------------------------

/** Adds traceId and spanId of the active span to a log line's fields; nothing when traces are off or no span is active. */
export function addTraceLogFields(fields: Record<string, string>): void {
  if (!runtime) return;
  const sc = trace.getSpanContext(context.active());
  if (!sc || !isSpanContextValid(sc)) return;
  fields.traceId = sc.traceId;
  fields.spanId = sc.spanId;
}
