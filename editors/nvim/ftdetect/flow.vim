" .flow files are flow pipelines (docs/language.md).
autocmd BufRead,BufNewFile *.flow setfiletype flow
