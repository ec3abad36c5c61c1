/**
 * Optional OpenTelemetry tracing through @temporalio/interceptors-opentelemetry: spans for workflow starts,
 * workflow runs and every activity (so every VR call), propagated across client → workflow → activity.
 * Off unless asked for: `VR_OTEL_TRACES=console` prints spans, `VR_OTEL_TRACES=file:<path>` appends them as JSON
 * lines. To ship spans to a collector, pass your own SpanProcessor (e.g. an OTLP exporter) to `tracingPlugin`.
 */
import { appendFileSync } from 'node:fs';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';

export const TRACES_ENVIRONMENT_VARIABLE = 'VR_OTEL_TRACES';

/** Appends each finished span as one JSON line (name, ids, times, attributes). */
export class JsonLinesSpanExporter implements SpanExporter {
  constructor(private readonly file: string) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    try {
      const lines = spans.map((span) =>
        JSON.stringify({
          name: span.name,
          traceId: span.spanContext().traceId,
          spanId: span.spanContext().spanId,
          parentSpanId: span.parentSpanId,
          start: span.startTime,
          end: span.endTime,
          status: span.status,
          attributes: span.attributes,
        }),
      );
      appendFileSync(this.file, lines.map((line) => `${line}\n`).join(''));
      done({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  async shutdown(): Promise<void> {}
}

/**
 * The Temporal OpenTelemetry plugin for workers and clients, exporting through `spanProcessor`. Workflow spans
 * reach it through the plugin's sink; activity and client spans use the global tracer, so a tracer provider with
 * the same processor is registered globally too.
 */
export function tracingPlugin(
  spanProcessor: SpanProcessor,
  serviceName = 'vsphere-replication-worker',
): OpenTelemetryPlugin {
  const resource = new Resource({ 'service.name': serviceName });
  const provider = new BasicTracerProvider({ resource });
  provider.addSpanProcessor(spanProcessor);
  provider.register();
  return new OpenTelemetryPlugin({ resource, spanProcessor });
}

/** The plugin `VR_OTEL_TRACES` asks for, or undefined when tracing is off. Throws on a value it does not know. */
export function tracingPluginFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): OpenTelemetryPlugin | undefined {
  const setting = env[TRACES_ENVIRONMENT_VARIABLE]?.trim();
  if (!setting || setting === 'off') return undefined;
  if (setting === 'console') return tracingPlugin(new SimpleSpanProcessor(new ConsoleSpanExporter()));
  if (setting.startsWith('file:') && setting.length > 'file:'.length) {
    return tracingPlugin(new SimpleSpanProcessor(new JsonLinesSpanExporter(setting.slice('file:'.length))));
  }
  throw new Error(`${TRACES_ENVIRONMENT_VARIABLE}=${setting}: use off, console or file:<path>`);
}
