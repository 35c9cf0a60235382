from liandong.cli import main

main()
