//! A body missing its `Ok(())`: the error must point here, at the body.

#[rt::main(crate = "rt")]
async fn main() -> std::io::Result<()> {
    rt::sleep(std::time::Duration::from_millis(1)).await; // the body's last statement
}
