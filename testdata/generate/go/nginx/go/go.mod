module example.com/downloads

go 1.24
