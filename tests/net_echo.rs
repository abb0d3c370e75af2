//! TCP echo over loopback: 1,000 concurrent connections, each several
//! round trips, on a 2-worker runtime.

use weave::net::{TcpListener, TcpStream};

#[test]
fn echo_with_a_thousand_concurrent_connections() {
    const CONNS: usize = 1_000;
    const ROUNDS: usize = 5;
    let rt = weave::Builder::new().worker_threads(2).build().unwrap();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = weave::spawn(async move {
            let mut served = Vec::new();
            for _ in 0..CONNS {
                let (mut stream, _) = listener.accept().await.unwrap();
                served.push(weave::spawn(async move {
                    let mut buf = [0u8; 64];
                    loop {
                        match stream.read(&mut buf).await.unwrap() {
                            0 => break,
                            n => stream.write_all(&buf[..n]).await.unwrap(),
                        }
                    }
                }));
            }
            for s in served {
                s.await.unwrap();
            }
        });
        let clients: Vec<_> = (0..CONNS)
            .map(|i| {
                weave::spawn(async move {
                    let mut stream = TcpStream::connect(addr).await.unwrap();
                    for round in 0..ROUNDS {
                        let msg = format!("{i:>6}:{round:>6}");
                        stream.write_all(msg.as_bytes()).await.unwrap();
                        let mut back = vec![0u8; msg.len()];
                        stream.read_exact(&mut back).await.unwrap();
                        assert_eq!(back, msg.as_bytes());
                    }
                })
            })
            .collect();
        for c in clients {
            c.await.unwrap();
        }
        server.await.unwrap();
    });
}

#[weave::test]
async fn several_tasks_accept_on_one_listener() {
    let listener = std::sync::Arc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
    let addr = listener.local_addr().unwrap();
    let acceptors: Vec<_> = (0..8)
        .map(|_| {
            let listener = listener.clone();
            weave::spawn(async move { listener.accept().await.unwrap().1 })
        })
        .collect();
    let mut clients = Vec::new();
    for _ in 0..8 {
        clients.push(TcpStream::connect(addr).await.unwrap());
    }
    let mut peers: Vec<_> = Vec::new();
    for a in acceptors {
        peers.push(a.await.unwrap());
    }
    let mut locals: Vec<_> = clients.iter().map(|c| c.local_addr().unwrap()).collect();
    peers.sort();
    locals.sort();
    assert_eq!(peers, locals, "each connection accepted exactly once");
}
