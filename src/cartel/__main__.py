from cartel.cli import main

main()
