from cartel.cli import run

if __name__ == "__main__":  # not when a helper process (cartel.parse.beside) imports it
    run()
