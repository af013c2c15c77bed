-- Headless Neovim (0.8+) as the client: the README's setup snippet is loaded as init.lua by
-- neovim.sh, then this script opens a file, waits for the finding, applies the suppression code
-- action, types an unsaved fix and waits for the finding to go. Exits non-zero on any failure.
local function check()
  vim.cmd('edit ' .. vim.fn.fnameescape(vim.env.LOOPSAFE_NVIM_FILE))
  local buf = vim.api.nvim_get_current_buf()
  assert(vim.bo[buf].filetype == 'javascript', 'filetype: ' .. vim.bo[buf].filetype)
  assert(vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 50), 'no diagnostics')
  local d = vim.diagnostic.get(buf)[1]
  assert(d.source == 'loopsafe' and d.code == 'blocking-call', vim.inspect(d))
  assert(d.lnum == 2 and d.col == 11 and d.severity == vim.diagnostic.severity.ERROR, vim.inspect(d))

  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = { start = { line = 2, character = 0 }, ['end'] = { line = 2, character = 0 } },
    context = { diagnostics = {} },
  }
  local titles = {}
  for _, r in pairs(vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', params, 10000) or {}) do
    for _, a in ipairs(r.result or {}) do
      table.insert(titles, a.title)
      vim.lsp.util.apply_workspace_edit(a.edit, 'utf-16')
    end
  end
  assert(#titles == 1 and titles[1]:find('Suppress blocking%-call'), vim.inspect(titles))
  local line = vim.api.nvim_buf_get_lines(buf, 2, 3, false)[1]
  assert(line == '  // loopsafe-ignore-next-line blocking-call: why this is safe', line)

  -- an unsaved edit that removes the blocking call clears the finding
  vim.api.nvim_buf_set_lines(buf, 3, 4, false, { "  res.send('ok');" })
  assert(vim.wait(20000, function() return #vim.diagnostic.get(buf) == 0 end, 50), 'finding not cleared')
end

local ok, err = pcall(check)
if not ok then
  io.stderr:write('neovim check failed: ' .. tostring(err) .. '\n')
  vim.cmd('cquit 1')
end
io.stdout:write('neovim check passed\n')
vim.cmd('qall!')
