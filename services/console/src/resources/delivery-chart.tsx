// Deliveries per status over time, for one receiver (or push type), from the newest
// deliveries of the log: a stacked bar per time bucket. Refreshed while it is shown.
import { useMemo } from 'react';
import { useGetList } from 'react-admin';
import { Box, Typography } from '@mui/material';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Delivery } from '../api/types';
import { bucketDeliveries, STATUS_COLOURS } from './delivery-buckets';

export function DeliveryChart({ target, refreshMs = 5000 }: { target?: string; refreshMs?: number }) {
  const { data, isPending } = useGetList<Delivery & { id: string }>(
    'deliveries',
    { pagination: { page: 1, perPage: 500 }, filter: target ? { target } : {} },
    { refetchInterval: refreshMs },
  );
  const { buckets, statuses, bucketLabel } = useMemo(() => bucketDeliveries(data ?? [], 12), [data]);
  return (
    <Box component="figure" sx={{ m: 0, mb: 2 }} aria-label="Deliveries per status over time">
      <Typography component="figcaption" variant="subtitle2">
        Deliveries per status over time {bucketLabel ? `(${bucketLabel} per bar, the newest ${data?.length ?? 0})` : ''}
      </Typography>
      {isPending ? null : buckets.length === 0 ? (
        <Typography variant="body2">No deliveries yet.</Typography>
      ) : (
        <Box sx={{ width: '100%', height: 200 }} data-testid="delivery-chart">
          <ResponsiveContainer>
            <BarChart data={buckets} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="label" fontSize={11} />
              <YAxis allowDecimals={false} fontSize={11} width={32} />
              <Tooltip />
              <Legend />
              {statuses.map((s) => (
                <Bar key={s} dataKey={s} stackId="s" fill={STATUS_COLOURS[s]} name={s} isAnimationActive={false} />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </Box>
      )}
    </Box>
  );
}
