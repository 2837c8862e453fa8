-- Buffer settings for .flow files, and the language server once require('flow').setup() ran.
if vim.b.did_ftplugin then
  return
end
vim.b.did_ftplugin = 1

vim.bo.commentstring = '# %s'
vim.bo.comments = ':#'
vim.bo.expandtab = true
vim.bo.shiftwidth = 2
vim.bo.omnifunc = 'v:lua.vim.lsp.omnifunc' -- <C-x><C-o> asks the language server
vim.b.undo_ftplugin = 'setlocal commentstring< comments< expandtab< shiftwidth< omnifunc<'

require('flow').start(vim.api.nvim_get_current_buf())
