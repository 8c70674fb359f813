// How a batch of accepted changes becomes writes, decided before any SQL runs. Changes
// are taken in stream order (the order they were accepted). A change whose stream
// sequence is not newer than the last one applied to its record is skipped: it was
// applied before (a redelivery after a crash) or a newer change already replaced it (a
// late redelivery), and a delete leaves its sequence behind as a tombstone, so an old
// upsert arriving late cannot bring the record back. A change whose message id (request
// and index) is among the last ones applied to its record is skipped too: the stream's own
// deduplication forgets an applied change when nats-server restarts (a work queue keeps no
// message once it is acked, and the window is rebuilt from the messages kept), so a
// publish retried across a restart, or a request sent again after one, is stored a second
// time under a new sequence. The changes of one record within
// the batch fold into one write (the last upsert with the patches after it merged in, a
// delete, or the merged patches), so the batch costs a few statements per table.
import { listenerTopic, type HostEvent, type IngestOp, type KeyValue, type ListenerChangeEventData, type ListenerChangeKind, type ListenerChangeState, type ListenerIngestMessage, type ListenerStructure } from '@hookline/contracts';
import { ingestMsgId, listenerChangeEventId, recordKeyOf } from '@hookline/contracts';
import { foldPatch, type Row } from '@hookline/listener-tables';

export interface Item {
  seq: number;
  msg: ListenerIngestMessage;
}

export interface Version {
  seq: number;
  deleted: boolean;
  /** The message ids of the last changes applied to the record (RECENT_CHANGES_KEPT at most), oldest first. */
  recent: readonly string[];
}

/** How many applied changes' message ids a record's version keeps to recognise one stored twice. */
export const RECENT_CHANGES_KEPT = 16;

export interface Effect {
  tenantId: string;
  listenerId: string;
  recordKey: string;
  key: Record<string, KeyValue>;
  kind: IngestOp;
  /** upsert: the whole record (later patches merged in); patch: the merged fields. */
  record?: Row;
  /** The accepted time of the last change folded in: the row's last_modified. */
  lastModified: string;
  /** The changes folded into this write, in order. */
  items: Item[];
}

export interface BatchPlan {
  effects: Effect[];
  /** Already applied (redelivered, or stored twice), or replaced by a newer change: nothing to do. */
  stale: Item[];
  /** For a listener that no longer exists (or has no tables): dropped. */
  orphaned: Item[];
  /** Changes that cannot apply (a patch of a record an earlier change deleted). */
  failed: { item: Item; error: string }[];
  /** The version row each touched record ends with. */
  versions: { tenantId: string; listenerId: string; recordKey: string; seq: number; deleted: boolean; recent: readonly string[] }[];
}

export const versionKey = (listenerId: string, recordKey: string) => `${listenerId}\u0000${recordKey}`;

/** The record key of an item, or undefined when its listener is gone or has no tables. */
export function recordKeyOfItem(item: Item, listenerOf: (id: string) => ListenerChangeState | undefined): string | undefined {
  const l = listenerOf(item.msg.listenerId);
  if (!l?.structure || l.tenant !== item.msg.tenantId) return undefined;
  return recordKeyOf(l.structure.primaryKey, item.msg.key);
}

export function planBatch(items: Item[], versions: ReadonlyMap<string, Version>, listenerOf: (id: string) => ListenerChangeState | undefined): BatchPlan {
  const plan: BatchPlan = { effects: [], stale: [], orphaned: [], failed: [], versions: [] };
  const effects = new Map<string, Effect>();
  const latest = new Map<string, Version>(versions);
  for (const item of [...items].sort((a, b) => a.seq - b.seq)) {
    const recordKey = recordKeyOfItem(item, listenerOf);
    if (recordKey === undefined) {
      plan.orphaned.push(item);
      continue;
    }
    const vk = versionKey(item.msg.listenerId, recordKey);
    const v = latest.get(vk);
    const msgId = ingestMsgId(item.msg.requestId, item.msg.index);
    if (v && (item.seq <= v.seq || v.recent.includes(msgId))) {
      plan.stale.push(item);
      continue;
    }
    const e = effects.get(vk);
    const base = { tenantId: item.msg.tenantId, listenerId: item.msg.listenerId, recordKey, key: item.msg.key, lastModified: item.msg.acceptedAt };
    switch (item.msg.op) {
      case 'upsert':
        effects.set(vk, { ...base, kind: 'upsert', record: item.msg.record ?? {}, items: [...(e?.items ?? []), item] });
        break;
      case 'delete':
        effects.set(vk, { ...base, kind: 'delete', items: [...(e?.items ?? []), item] });
        break;
      case 'patch': {
        const deletedBefore = e ? e.kind === 'delete' : v?.deleted === true;
        if (deletedBefore) {
          plan.failed.push({ item, error: `PATCH not applied: record ${recordKey} was deleted by an earlier request` });
          break;
        }
        const fields = item.msg.record ?? {};
        // Folded as writing the two in order would leave the record (foldPatch), whatever the batch.
        const structure = (listenerOf(item.msg.listenerId) as ListenerChangeState).structure as ListenerStructure;
        if (e && (e.kind === 'upsert' || e.kind === 'patch')) effects.set(vk, { ...e, record: foldPatch(structure, e.record ?? {}, fields), lastModified: item.msg.acceptedAt, items: [...e.items, item] });
        else effects.set(vk, { ...base, kind: 'patch', record: fields, items: [item] });
        break;
      }
    }
    const kind = effects.get(vk)?.kind;
    latest.set(vk, { seq: item.seq, deleted: kind === 'delete' || (kind === undefined && v?.deleted === true), recent: [...(v?.recent ?? []), msgId].slice(-RECENT_CHANGES_KEPT) });
  }
  plan.effects = [...effects.values()];
  for (const [vk, v] of latest) {
    if (versions.get(vk)?.seq === v.seq) continue;
    const [listenerId, recordKey] = vk.split('\u0000');
    const tenantId = listenerOf(listenerId)?.tenant as string;
    plan.versions.push({ tenantId, listenerId, recordKey, seq: v.seq, deleted: v.deleted, recent: v.recent });
  }
  return plan;
}

/**
 * A record whose write in this batch is a patch, and the stream sequences between which an
 * older change of it that is not applied yet would sit: after the last one applied to it
 * (`afterSeq`, 0 for none) and before this batch's first change of it (`beforeSeq`).
 */
export interface PatchBase {
  tenantId: string;
  listenerId: string;
  recordKey: string;
  afterSeq: number;
  beforeSeq: number;
}

/**
 * The records whose patch needs every older change of the record applied first. Upserts
 * and deletes replace the whole record, so one applied before an older change arrives is
 * still right (the older one is then stale and skipped); a patch is only right on top of
 * everything accepted before it. An older change can be missing from the batch when
 * another replica holds it, or when the instance that pulled it died and it waits out its
 * ack wait, while newer changes are handed to this one. Records with no sequence free
 * between their last applied change and this batch's first have nothing to wait for.
 */
export function patchBases(plan: BatchPlan, versions: ReadonlyMap<string, Version>): PatchBase[] {
  const out: PatchBase[] = [];
  for (const e of plan.effects) {
    if (e.kind !== 'patch') continue;
    const afterSeq = versions.get(versionKey(e.listenerId, e.recordKey))?.seq ?? 0;
    const beforeSeq = e.items[0].seq;
    if (beforeSeq - afterSeq > 1) out.push({ tenantId: e.tenantId, listenerId: e.listenerId, recordKey: e.recordKey, afterSeq, beforeSeq });
  }
  return out;
}

const KIND: Record<IngestOp, ListenerChangeKind> = { upsert: 'Upserted', patch: 'Patched', delete: 'Deleted' };

/** The host event an applied change becomes, on hookline.events.<tenant>.Listener.<name>.<Kind>. */
export function changeEvent(l: ListenerChangeState, item: Item): HostEvent {
  const m = item.msg;
  const s = l.structure;
  const recordKey = s ? recordKeyOf(s.primaryKey, m.key) : JSON.stringify(m.key);
  const data: ListenerChangeEventData = {
    listener: { id: l.id, name: l.name, serviceId: l.serviceId },
    table: s?.tables[0].name ?? '',
    op: m.op,
    key: m.key,
    record: m.record ?? null,
    requestId: m.requestId,
    acceptedAt: m.acceptedAt,
  };
  const keys = Object.values(m.key);
  return {
    id: listenerChangeEventId(m.tenantId, item.seq, m.requestId, m.index),
    tenantId: m.tenantId,
    topic: listenerTopic(l.name, KIND[m.op]),
    object: { type: `listener:${l.name}`, id: keys.length === 1 ? String(keys[0]) : recordKey },
    data: data as unknown as Record<string, unknown>,
    receivedAt: m.acceptedAt,
    publishedBy: `listener:${l.id}`,
  };
}
