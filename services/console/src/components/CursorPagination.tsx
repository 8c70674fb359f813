// The API pages by cursor and counts nothing: "previous" / "next" and the rows shown, no totals.
import { useListContext } from 'react-admin';
import { Box, Button, MenuItem, Select, Typography } from '@mui/material';

export function CursorPagination({ perPageChoices = [25, 50, 100] }: { perPageChoices?: number[] }) {
  const { page, perPage, setPage, setPerPage, hasNextPage, hasPreviousPage, data, isPending } = useListContext();
  if (isPending) return null;
  const first = (page - 1) * perPage + 1;
  const shown = data?.length ?? 0;
  return (
    <Box component="nav" aria-label="Pages" sx={{ display: 'flex', alignItems: 'center', justifyContent: 'flex-end', gap: 2, p: 1 }}>
      <Typography variant="body2" component="label" sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
        Rows per page
        <Select size="small" value={perPage} onChange={(e) => setPerPage(Number(e.target.value))} inputProps={{ 'aria-label': 'Rows per page' }}>
          {perPageChoices.map((n) => (
            <MenuItem key={n} value={n}>
              {n}
            </MenuItem>
          ))}
        </Select>
      </Typography>
      <Typography variant="body2" role="status">
        {shown ? `Page ${page}: rows ${first}–${first + shown - 1}` : `Page ${page}: no rows`}
      </Typography>
      <Button size="small" onClick={() => setPage(page - 1)} disabled={!hasPreviousPage}>
        Previous
      </Button>
      <Button size="small" onClick={() => setPage(page + 1)} disabled={!hasNextPage}>
        Next
      </Button>
    </Box>
  );
}
